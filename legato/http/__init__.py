"""Requests, responses, uploads and cookies."""

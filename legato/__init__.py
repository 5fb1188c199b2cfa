"""Legato: Django-style async views on an asynchronous request stack."""

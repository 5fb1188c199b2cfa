"""Adapters that run an app on a server: what `legato run` hands to uvicorn."""

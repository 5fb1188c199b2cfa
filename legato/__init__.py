"""Legato: Django-style async views on a request stack that is asynchronous all the way down."""

from legato.app import App

__all__ = ["App"]
__version__ = "0.1.0"

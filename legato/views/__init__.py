"""Class-based views and view decorators."""

from legato.views.base import View

__all__ = ["View"]

"""Name a view, hook or middleware the way error messages and `legato routes` show it."""

from __future__ import annotations

__all__ = ["dotted_name"]


def dotted_name(obj: object) -> str:
    """`module.qualname` of a function or class; of the type for other callables."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{qualname}" if module else qualname

"""Name a view, hook or middleware the way error messages and `legato routes` show it."""

from __future__ import annotations

__all__ = ["dotted_name", "view_name"]


def dotted_name(obj: object) -> str:
    """`module.qualname` of a function or class; of the type for other callables.

    A view made by `as_view()` is named after its class (`app.views.Items.as_view`): the
    function itself is called `view`, as in Django.
    """
    view_class = getattr(obj, "view_class", None)
    if isinstance(view_class, type):
        return f"{dotted_name(view_class)}.as_view"
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{qualname}" if module else qualname


def view_name(view: object) -> str:
    """A view as Django's "didn't return an HttpResponse" message names it.

    A callable instance is named by its class's `__call__`, the code that ran.
    """
    if getattr(view, "__qualname__", None) is None and not hasattr(view, "view_class"):
        return f"{dotted_name(type(view))}.__call__"
    return dotted_name(view)

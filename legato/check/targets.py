"""List what an app runs per request: its views, websocket handlers and middleware.

Each becomes a `Target`: the code object of one function, where it runs, and the name
findings give it. Views are unwrapped through their decorators (`functools.wraps`), a
class-based view gives its HTTP handlers, a middleware class its `__call__` and hooks, a
function middleware factory the functions it defines (the factory itself runs once, at
start-up). Only the project's own code is checked; the rest is filtered out later.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import CodeType, FunctionType
from typing import Any

from legato._names import dotted_name
from legato.check.analysis import Context
from legato.check.calls import REQUEST
from legato.check.objects import class_member, live_object, plain_function

__all__ = ["REQUEST", "WEBSOCKET", "Target", "targets_of"]

WEBSOCKET = "legato.websocket.WebSocket"
_MIDDLEWARE_METHODS = (
    "__call__",
    "process_request",
    "process_view",
    "process_exception",
    "process_response",
)


@dataclass(frozen=True)
class Target:
    code: CodeType
    namespace: Mapping[str, Any]
    name: str
    owner: type | None = None
    first_argument: str = REQUEST
    context: Context | None = None  # None: `async def` on the loop, `def` in the pool


def targets_of(app: Any) -> list[Target]:
    """Every view, websocket handler and middleware function of a built `app`, once."""
    found: dict[tuple[CodeType, type | None], Target] = {}
    for route in app.resolver.routes():
        argument = WEBSOCKET if route.kind == "websocket" else REQUEST
        for target in _view_targets(route.view, argument):
            found.setdefault((target.code, target.owner), target)
    for entry in app.middleware:
        for target in _middleware_targets(_imported(entry)):
            found.setdefault((target.code, target.owner), target)
    return list(found.values())


def _view_targets(view: object, argument: str) -> Iterator[Target]:
    view_class = _attribute(view, "view_class")
    if isinstance(view_class, type):
        methods = class_member(view_class, "http_method_names")
        for method in methods if isinstance(methods, list | tuple) else ():
            yield from _method_target(view_class, method, argument)
        return
    if isinstance(view, functools.partial):
        view = view.func
    function = plain_function(view)
    if function is not None:
        yield Target(function.__code__, function.__globals__, dotted_name(function), None, argument)
    elif not isinstance(view, type):  # an instance with __call__
        yield from _method_target(type(view), "__call__", argument)


def _middleware_targets(factory: object) -> Iterator[Target]:
    cls = _attribute(factory, "middleware_class") or factory  # Middleware.configure(...)
    if isinstance(cls, type):
        # A `Middleware` marked nonblocking runs its sync hooks on the loop.
        sync_context = Context.LOOP if class_member(cls, "nonblocking") is True else None
        # A hook-style one is run by its hooks: its __call__ (for direct calls) never runs.
        skipped = "__call__" if class_member(cls, "hook_style") is True else None
        for method in _MIDDLEWARE_METHODS:
            if method != skipped:
                yield from _method_target(cls, method, REQUEST, sync_context)
        return
    function = plain_function(factory)
    if function is None:
        return
    for constant in function.__code__.co_consts:
        # The functions a factory defines are what it returns: they handle the requests.
        if isinstance(constant, CodeType) and not constant.co_name.startswith("<"):
            name = f"{function.__module__}.{constant.co_qualname}"
            yield Target(constant, function.__globals__, name)


def _method_target(
    cls: type, method: str, argument: str, sync_context: Context | None = None
) -> Iterator[Target]:
    function = plain_function(class_member(cls, method))
    if function is None or cls is object:
        return
    context = None if _is_async(function) else sync_context
    name = f"{dotted_name(cls)}.{method}"
    yield Target(function.__code__, function.__globals__, name, cls, argument, context)


def _is_async(function: FunctionType) -> bool:
    return bool(function.__code__.co_flags & inspect.CO_COROUTINE)


def _attribute(obj: object, name: str) -> object:
    # Set on the function object by as_view() and configure(); read without running code.
    return inspect.getattr_static(obj, name, None)


def _imported(entry: object) -> object:
    """A middleware given by dotted path; app.build() has imported it already."""
    return live_object(entry) if isinstance(entry, str) else entry

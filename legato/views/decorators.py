"""Restrict or bound a view: allowed methods and deadlines.

Each decorator keeps an `async def` view async (so the handler still awaits it without
a thread) and a sync view sync (so it still runs in the thread pool).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from legato.http.request import HttpRequest
from legato.http.response import HttpResponseNotAllowed
from legato.sync import iscoroutinefunction, sync_to_async
from legato.views.adapt import with_deadline

__all__ = ["require_GET", "require_POST", "require_http_methods", "require_safe", "timeout"]

logger = logging.getLogger("legato.request")
ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def require_http_methods(methods: Sequence[str]) -> Callable[[ViewT], ViewT]:
    """Answer 405 (with an Allow header) to any method not in `methods`."""
    allowed = [method.upper() for method in methods]

    def refuse(request: HttpRequest) -> HttpResponseNotAllowed:
        logger.warning("Method Not Allowed (%s): %s", request.method, request.path)
        return HttpResponseNotAllowed(allowed)

    def decorator(view: ViewT) -> ViewT:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if request.method not in allowed:
                    return refuse(request)
                return await view(request, *args, **kwargs)

            return async_inner  # type: ignore[return-value]

        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method not in allowed:
                return refuse(request)
            return view(request, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return decorator


require_GET = require_http_methods(["GET"])
require_GET.__doc__ = "Allow only GET."
require_POST = require_http_methods(["POST"])
require_POST.__doc__ = "Allow only POST."
require_safe = require_http_methods(["GET", "HEAD"])
require_safe.__doc__ = "Allow only GET and HEAD (the methods that must not change state)."


def timeout(seconds: float) -> Callable[[ViewT], ViewT]:
    """Cancel an async view after `seconds` and answer 504; overrides the app's timeout.

    A sync view cannot be cancelled: the client still gets its 504 on time, but the
    function runs to its end in its thread and its result is dropped.
    """
    if seconds <= 0:
        raise ValueError(f"timeout() needs a positive number of seconds, not {seconds!r}.")

    def decorator(view: ViewT) -> ViewT:
        if iscoroutinefunction(view):
            bounded: Any = with_deadline(view, seconds)
        else:
            bounded = _sync_deadline(view, seconds)
        bounded.legato_timeout = seconds
        return bounded  # type: ignore[no-any-return]

    return decorator


def _sync_deadline(view: Callable[..., Any], seconds: float) -> Any:
    # The thread hop has to happen inside the deadline, so this sync view runs in
    # asgiref's executor rather than the app's pool.
    return with_deadline(sync_to_async(view, thread_sensitive=False), seconds)

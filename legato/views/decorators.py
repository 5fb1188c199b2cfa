"""Restrict, bound or mark a view: allowed methods, deadlines, CSRF and framing rules.

Each decorator keeps an `async def` view async (so the pipeline still awaits it without
a thread) and a sync view sync (so it still runs in the thread pool).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from legato.handlers.request_log import log_response
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase, HttpResponseNotAllowed
from legato.sync import iscoroutinefunction, sync_to_async
from legato.views.adapt import with_deadline

__all__ = [
    "csrf_exempt",
    "require_GET",
    "require_POST",
    "require_http_methods",
    "require_safe",
    "timeout",
    "xframe_options_deny",
    "xframe_options_exempt",
    "xframe_options_sameorigin",
]

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def require_http_methods(methods: Sequence[str]) -> Callable[[ViewT], ViewT]:
    """Answer 405 (with an Allow header) to any method not in `methods`."""
    allowed = [method.upper() for method in methods]

    def refuse(request: HttpRequest) -> HttpResponseNotAllowed:
        response = HttpResponseNotAllowed(allowed)
        log_response(
            "Method Not Allowed (%s): %s",
            request.method,
            request.path,
            response=response,
            request=request,
        )
        return response

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


def csrf_exempt(view: ViewT) -> ViewT:
    """Let cross-site requests with unsafe methods reach this view (CsrfViewMiddleware)."""
    return _marked(view, "csrf_exempt")


def xframe_options_exempt(view: ViewT) -> ViewT:
    """Let other sites frame this view's responses (XFrameOptionsMiddleware adds nothing)."""

    def exempt(response: HttpResponseBase) -> None:
        response.xframe_options_exempt = True  # type: ignore[attr-defined]

    return _after(view, exempt)


def xframe_options_deny(view: ViewT) -> ViewT:
    """Send `X-Frame-Options: DENY` with this view's responses, whatever the middleware says."""
    return _after(view, lambda response: response.headers.setdefault("X-Frame-Options", "DENY"))


def xframe_options_sameorigin(view: ViewT) -> ViewT:
    """Send `X-Frame-Options: SAMEORIGIN` with this view's responses."""

    def sameorigin(response: HttpResponseBase) -> None:
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")

    return _after(view, sameorigin)


def _marked(view: ViewT, flag: str) -> ViewT:
    # A wrapper, not an attribute set on `view`: the same function may be routed twice.
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_marked(*args: Any, **kwargs: Any) -> Any:
            return await view(*args, **kwargs)

        marked: Any = async_marked
    else:

        @functools.wraps(view)
        def marked(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

    setattr(marked, flag, True)
    return marked  # type: ignore[no-any-return]


def _after(view: ViewT, change: Callable[[HttpResponseBase], object]) -> ViewT:
    """Wrap `view` so that `change(response)` runs on what it returns."""
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_inner(*args: Any, **kwargs: Any) -> Any:
            response = await view(*args, **kwargs)
            change(response)
            return response

        return async_inner  # type: ignore[return-value]

    @functools.wraps(view)
    def inner(*args: Any, **kwargs: Any) -> Any:
        response = view(*args, **kwargs)
        change(response)
        return response

    return inner  # type: ignore[return-value]

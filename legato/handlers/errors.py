"""Turn an exception raised while handling a request into a response, in one place.

The mapping is Django's: Http404 -> 404, PermissionDenied -> 403, BadRequest and
SuspiciousOperation -> 400, RequestBodyTimeout -> 408, RequestDataTooBig -> 413,
RequestTimeout -> 504, anything else -> 500. With `debug=True` a 500 (and a 404) shows
the debug page from `debug_page`; with `debug=False` the body says nothing internal and
the traceback goes to the `legato.request` log with the request's method, path and id.

Error views (`handler400`, `handler403`, `handler404`, `handler500`) may be replaced by
the app; if one of them fails in turn, the plain built-in page is used and the failure
is logged, so an error never escapes as a bare traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from legato._logsafe import escape_for_log
from legato.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestBodyTimeout,
    RequestDataTooBig,
    RequestTimeout,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    TooManyPartsSent,
)
from legato.handlers import debug_page
from legato.http.request import HttpRequest
from legato.http.response import Http404, HttpResponse, HttpResponseBase, JsonResponse

__all__ = ["ErrorResponder", "ErrorView", "request_exception_observer"]

request_logger = logging.getLogger("legato.request")
security_logger = logging.getLogger("legato.security")

ErrorView = Callable[..., Awaitable[HttpResponseBase]]

# Lets the test client re-raise a view's exception in the test (Django's
# `raise_request_exception`) without a channel through the ASGI scope: the client sets
# it in its own context, which the app's handling of that request inherits.
request_exception_observer: ContextVar[Callable[[BaseException], None] | None] = ContextVar(
    "request_exception_observer", default=None
)

_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    500: "Server Error",
    504: "Gateway Timeout",
}


# Over a count limit: the message names the limit and the number, nothing about the server.
_TOO_MANY = TooManyFieldsSent | TooManyFilesSent | TooManyPartsSent


def status_for_exception(exc: BaseException) -> int:
    if isinstance(exc, Http404):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, RequestDataTooBig):
        return 413
    if isinstance(exc, RequestBodyTimeout):
        return 408
    if isinstance(exc, BadRequest | SuspiciousOperation):
        return 400
    if isinstance(exc, RequestTimeout):
        return 504
    return 500


def _public_detail(exc: BaseException, status: int) -> str:
    """Say what was wrong with the request when that leaks nothing about the server."""
    if isinstance(exc, BadRequest | RequestDataTooBig | _TOO_MANY | RequestTimeout):
        return str(exc)
    if status == 404 and isinstance(exc, Http404) and type(exc) is Http404:
        return str(exc)
    return ""


def plain_error_response(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    """The built-in error page: HTML, or JSON for clients that ask for JSON."""
    title = _TITLES.get(status, "Error")
    if _prefers_json(request):
        body: dict[str, Any] = {"error": title, "status": status}
        if detail:
            body["detail"] = detail
        return JsonResponse(body, status=status)
    html = f"<!doctype html>\n<title>{title} ({status})</title>\n<h1>{title} ({status})</h1>\n"
    if detail:
        html += f"<p>{debug_page.escape(detail)}</p>\n"
    return HttpResponse(html, status=status)


def _prefers_json(request: HttpRequest) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


class ErrorResponder:
    """Map exceptions to responses for one app; built once at start-up."""

    def __init__(
        self,
        *,
        debug: bool,
        error_views: Mapping[int, ErrorView] | None = None,
        tried_routes: Callable[[], list[str]] | None = None,
    ) -> None:
        self.debug = debug
        self.error_views = dict(error_views or {})
        self.tried_routes = tried_routes

    async def response_for_exception(
        self, request: HttpRequest, exc: BaseException
    ) -> HttpResponseBase:
        status = status_for_exception(exc)
        self._log(request, exc, status)
        observer = request_exception_observer.get()
        if observer is not None and status == 500:
            observer(exc)
        if self.debug and status in (404, 500):
            return debug_page.response(request, exc, status, self._tried(status))
        view = self.error_views.get(status)
        if view is None:
            return plain_error_response(request, status, _public_detail(exc, status))
        return await self._call_error_view(view, request, exc, status)

    def _tried(self, status: int) -> list[str]:
        if status == 404 and self.tried_routes is not None:
            return self.tried_routes()
        return []

    async def _call_error_view(
        self, view: ErrorView, request: HttpRequest, exc: BaseException, status: int
    ) -> HttpResponseBase:
        try:
            # Django's signatures: handler500(request); the others (request, exception).
            response = await (view(request) if status == 500 else view(request, exc))
        except Exception:
            request_logger.exception(
                "The handler%d view failed; answering with the built-in page instead.", status
            )
            return plain_error_response(request, status)
        if not isinstance(response, HttpResponseBase):
            request_logger.error(
                "The handler%d view returned %r instead of an HttpResponse.", status, response
            )
            return plain_error_response(request, status)
        return response

    def _log(self, request: HttpRequest, exc: BaseException, status: int) -> None:
        if status == 500:
            request_logger.error(
                "Internal Server Error: %s %s (request id %s): %s",
                escape_for_log(request.method),
                escape_for_log(request.path),
                request.id,
                escape_for_log(_one_line(exc)),
                exc_info=exc,
            )
        elif isinstance(exc, SuspiciousOperation) and not isinstance(exc, RequestDataTooBig):
            security_logger.warning(
                "%s: %s %s (request id %s): %s",
                type(exc).__name__,
                escape_for_log(request.method),
                escape_for_log(request.path),
                request.id,
                escape_for_log(exc),
            )
        elif status >= 400 and status != 404:
            request_logger.warning(
                "%s: %s %s (request id %s): %s",
                _TITLES.get(status, status),
                escape_for_log(request.method),
                escape_for_log(request.path),
                request.id,
                escape_for_log(exc),
            )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

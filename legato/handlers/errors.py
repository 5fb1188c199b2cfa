"""Turn an exception raised while handling a request into a response, in one place.

The mapping is Django's: Http404 -> 404, PermissionDenied -> 403, BadRequest and
SuspiciousOperation -> 400, RequestBodyTimeout -> 408, RequestDataTooBig -> 413,
RequestTimeout -> 504, anything else -> 500. With `debug=True` a 500 (and a 404) shows
the debug page from `debug_page`; with `debug=False` the body says nothing internal and
the traceback goes to the `legato.request` log, on a record that carries the request.

Error views (`handler400`, `handler403`, `handler404`, `handler500`) may be replaced by
the app; if one of them fails in turn, the plain built-in page is used and the failure
is logged, so an error never escapes as a bare traceback. One that returns `render(...)`
is rendered here, with the app's templates.

Each error response is logged once, worded as Django's (`Not Found: /path`,
`Forbidden (Permission denied): /path`, `Internal Server Error: /path` with the
traceback): `request_log.py` says how.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

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
from legato.handlers.request_log import log_response, request_logger
from legato.http.request import HttpRequest
from legato.http.response import Http404, HttpResponse, HttpResponseBase, JsonResponse
from legato.templates.engine import Templates
from legato.templates.response import TemplateRendering, render_lazily

__all__ = ["ErrorResponder", "ErrorView", "request_exception_observer"]

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
        templates: Templates | None = None,
    ) -> None:
        self.debug = debug
        self.error_views = dict(error_views or {})
        self.tried_routes = tried_routes
        self.templates = templates

    async def response_for_exception(
        self, request: HttpRequest, exc: BaseException
    ) -> HttpResponseBase:
        status = status_for_exception(exc)
        observer = request_exception_observer.get()
        if observer is not None and status == 500:
            observer(exc)
        response = await self._response(request, exc, status)
        _log(request, exc, response)
        return response

    async def _response(
        self, request: HttpRequest, exc: BaseException, status: int
    ) -> HttpResponseBase:
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
            if isinstance(response, TemplateRendering):
                response = await render_lazily(response, self.templates)
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


def _log(request: HttpRequest, exc: BaseException, response: HttpResponseBase) -> None:
    """One record for the error response, worded as Django's `response_for_exception`."""
    path = request.path
    if isinstance(exc, Http404):
        log_response("Not Found: %s", path, response=response, request=request)
    elif isinstance(exc, PermissionDenied):
        log_response(
            "Forbidden (Permission denied): %s",
            path,
            response=response,
            request=request,
            exception=exc,
        )
    elif isinstance(exc, BadRequest):
        log_response("%s: %s", str(exc), path, response=response, request=request, exception=exc)
    elif isinstance(exc, SuspiciousOperation) and not isinstance(exc, RequestDataTooBig):
        # On legato.security.<class>, as Django's django.security.<class>.
        log_response(
            "%s",
            str(exc),
            response=response,
            request=request,
            logger=logging.getLogger(f"legato.security.{type(exc).__name__}"),
            level=logging.ERROR,
            exception=exc,
        )
    else:
        # A server error with its traceback; 413 and 504 say what the status says.
        failed = response.status_code >= 500 and not isinstance(exc, RequestTimeout)
        log_response(
            "%s: %s",
            response.reason_phrase,
            path,
            response=response,
            request=request,
            exception=exc if failed else None,
        )

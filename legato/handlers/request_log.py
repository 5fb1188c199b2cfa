"""Log error responses as Django's request log does: one record each, escaped, with extras.

Every response with a status of 400 or more is logged once, on `legato.request` unless
a caller names another logger: `Not Found: /path`, `Forbidden (Permission denied):
/path`, `Internal Server Error: /path` (with the traceback). A 4xx is a WARNING, a 5xx
an ERROR; each record carries `status_code` and `request` (so a filter or formatter can
add `record.request.id` or the method). Request data in the arguments goes through
`escape_for_log`, so a path cannot forge a line.

Who logs: whoever makes an error response and knows why (the error responder, the CSRF
refusal, a 405) calls `log_response`, which marks the response; the server adapter logs
what is left (`log_unlogged`: a 404 a view returned, say) after the chain. The mark is
Django's `_has_been_logged`, so a response is never logged twice.
"""

from __future__ import annotations

import logging
from typing import Any

from legato._logsafe import escape_for_log
from legato.http.request import HttpRequest
from legato.http.response_base import HttpResponseBase

__all__ = ["log_response", "log_unlogged", "request_logger"]

request_logger = logging.getLogger("legato.request")


def log_response(
    message: str,
    *args: object,
    response: HttpResponseBase,
    request: HttpRequest,
    logger: logging.Logger = request_logger,
    level: int | None = None,
    exception: BaseException | None = None,
) -> None:
    """Log `response` once: at `level`, or by its status (5xx ERROR, 4xx WARNING, else INFO)."""
    if getattr(response, "_has_been_logged", False):
        return
    if level is None:
        level = _level_for(response.status_code)
    escaped = tuple(escape_for_log(arg) if isinstance(arg, str) else arg for arg in args)
    extra: dict[str, Any] = {"status_code": response.status_code, "request": request}
    logger.log(level, message, *escaped, extra=extra, exc_info=exception)
    response._has_been_logged = True  # type: ignore[attr-defined]


def log_unlogged(response: HttpResponseBase, request: HttpRequest) -> None:
    """After the chain: log a response of 400 or more that nothing logged on its way out."""
    log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)


def _level_for(status: int) -> int:
    if status >= 500:
        return logging.ERROR
    if status >= 400:
        return logging.WARNING
    return logging.INFO

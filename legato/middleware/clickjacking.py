"""Forbid other sites to frame the app's pages: the `X-Frame-Options` header.

Django's `XFrameOptionsMiddleware`: every response gets `X-Frame-Options: DENY` (or the
`x_frame_options` option, `"SAMEORIGIN"`) unless it already has the header or its view
is decorated with `legato.views.decorators.xframe_options_exempt`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import DefaultHeaders, HttpResponseBase
from legato.middleware.base import Middleware

__all__ = ["XFrameOptionsMiddleware"]


class XFrameOptionsMiddleware(Middleware):
    """Set `X-Frame-Options` on responses that do not set it themselves."""

    nonblocking = True

    def __init__(self, get_response: Callable[..., Any], *, x_frame_options: str = "DENY") -> None:
        super().__init__(get_response)
        value = x_frame_options.upper()
        if value not in ("DENY", "SAMEORIGIN"):
            raise ImproperlyConfigured(
                f"XFrameOptionsMiddleware: x_frame_options must be 'DENY' or 'SAMEORIGIN', "
                f"not {x_frame_options!r}."
            )
        self.header = DefaultHeaders({"X-Frame-Options": value})

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefaults(self.header)
        return response

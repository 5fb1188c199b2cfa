"""Refuse cross-site requests that could change state: CSRF protection without tokens.

A browser says where a request comes from: `Sec-Fetch-Site` (every current browser) and
`Origin` (on every cross-origin POST for years before that). So a request with an unsafe
method is answered 403, with the reason, when `Sec-Fetch-Site` says `cross-site` or
`same-site`, or, where that header is missing, when `Origin` names another host than the
request's `Host`. A request with neither header did not come from a browser page, which
is the only place a forged request can come from, and passes. This is the check Go's
standard library ships (`net/http.CrossOriginProtection`) and one OWASP lists;
docs/decisions.md says why Legato has no Django-style token.

Exceptions: origins in `trusted_origins` (`"https://app.example.com"`, or a wildcard
subdomain `"https://*.example.com"`), and views decorated with
`legato.views.decorators.csrf_exempt`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from legato.exceptions import ImproperlyConfigured
from legato.handlers.errors import plain_error_response
from legato.handlers.request_log import log_response
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.middleware.base import Middleware

__all__ = ["CsrfViewMiddleware"]

# A child of legato.security, as Django's django.security.csrf.
csrf_logger = logging.getLogger("legato.security.csrf")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_ALLOWED_SITES = frozenset({"same-origin", "none"})  # "none": typed in, a bookmark
_OUTSIDE_HOST = frozenset("/@?#")  # an origin with these is no plain subdomain


class CsrfViewMiddleware(Middleware):
    """Answer 403 to unsafe-method requests sent from another site's page."""

    nonblocking = True

    def __init__(
        self, get_response: Callable[..., Any], *, trusted_origins: Sequence[str] = ()
    ) -> None:
        super().__init__(get_response)
        self.trusted = frozenset(o.lower() for o in trusted_origins if "://*." not in o)
        self.trusted_subdomains = tuple(_wildcard(o) for o in trusted_origins if "://*." in o)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.method in _SAFE_METHODS or getattr(view_func, "csrf_exempt", False):
            return None
        reason = self._refusal(request)
        if reason is None:
            return None
        # The reason describes the client's own request, so it is safe to show it.
        response = plain_error_response(request, 403, reason)
        log_response(
            "Forbidden (%s): %s",
            reason,
            request.path,
            response=response,
            request=request,
            logger=csrf_logger,
        )
        return response

    def _refusal(self, request: HttpRequest) -> str | None:
        """Why the request must be refused, or None if it may go on."""
        headers = request.headers
        origin = headers.get("Origin")
        site = headers.get("Sec-Fetch-Site")
        if site is not None:
            if site in _ALLOWED_SITES or self._trusts(origin):
                return None
            return (
                f"CSRF check failed: a {site} {request.method} from {origin or 'another site'}. "
                "If that origin is yours, add it to CsrfViewMiddleware's trusted_origins."
            )
        if origin is None or self._same_host(origin, request) or self._trusts(origin):
            return None
        return (
            f"CSRF check failed: a {request.method} from {origin}, which is not this site "
            f"({request.get_host()}). If that origin is yours, add it to "
            "CsrfViewMiddleware's trusted_origins."
        )

    def _trusts(self, origin: str | None) -> bool:
        if origin is None:
            return False
        origin = origin.lower()
        if origin in self.trusted:
            return True
        for scheme, suffix in self.trusted_subdomains:
            host = origin.removeprefix(scheme)
            if host != origin and host.endswith(suffix) and not _OUTSIDE_HOST.intersection(host):
                return True
        return False

    @staticmethod
    def _same_host(origin: str, request: HttpRequest) -> bool:
        try:
            host = urlsplit(origin).netloc
        except ValueError:
            return False  # not a URL, so not this site
        return bool(host) and host.lower() == request.get_host().lower()


def _wildcard(origin: str) -> tuple[str, str]:
    """`https://*.example.com` -> ("https://", ".example.com")."""
    scheme, _, rest = origin.lower().partition("://*.")
    if not scheme or not rest or "/" in rest:
        raise ImproperlyConfigured(
            f"CsrfViewMiddleware: trusted origin {origin!r} must look like "
            "'https://example.com' or 'https://*.example.com'."
        )
    return f"{scheme}://", f".{rest}"

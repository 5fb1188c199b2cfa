"""Add the security headers every response should carry, and redirect plain HTTP to HTTPS.

Django's `SecurityMiddleware`, with its settings as keyword options (the `SECURE_`
prefix dropped): `X-Content-Type-Options: nosniff`, `Referrer-Policy`,
`Cross-Origin-Opener-Policy` on every response, `Strict-Transport-Security` on HTTPS
responses when `hsts_seconds` is set, and a 301 to HTTPS when `ssl_redirect` is on.
Headers a view set itself are left alone. The headers are checked and encoded once,
when the app starts; per response they cost a few dict operations.

Behind a proxy that terminates TLS, `request.is_secure()` reads the scheme the server
reports: uvicorn (and so `legato run`) takes it from `X-Forwarded-Proto` when the proxy's
address is in `FORWARDED_ALLOW_IPS` (127.0.0.1 unless set).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import DefaultHeaders, HttpResponseBase, HttpResponsePermanentRedirect
from legato.middleware.base import Middleware

__all__ = ["SecurityMiddleware"]

_REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
_OPENER_POLICIES = frozenset({"same-origin", "same-origin-allow-popups", "unsafe-none"})


class SecurityMiddleware(Middleware):
    """Security headers on every response; optional HSTS and HTTPS redirect."""

    nonblocking = True

    def __init__(
        self,
        get_response: Callable[..., Any],
        *,
        content_type_nosniff: bool = True,
        referrer_policy: str | Sequence[str] | None = "same-origin",
        cross_origin_opener_policy: str | None = "same-origin",
        hsts_seconds: int = 0,
        hsts_include_subdomains: bool = False,
        hsts_preload: bool = False,
        ssl_redirect: bool = False,
        ssl_host: str | None = None,
        redirect_exempt: Sequence[str] = (),
    ) -> None:
        super().__init__(get_response)
        headers: dict[str, str] = {}
        if content_type_nosniff:
            headers["X-Content-Type-Options"] = "nosniff"
        if referrer_policy:
            headers["Referrer-Policy"] = _referrer_policy(referrer_policy)
        if cross_origin_opener_policy:
            headers["Cross-Origin-Opener-Policy"] = _opener_policy(cross_origin_opener_policy)
        self.headers = DefaultHeaders(headers)
        hsts = _hsts(hsts_seconds, hsts_include_subdomains, hsts_preload)
        self.https_headers = DefaultHeaders({"Strict-Transport-Security": hsts} if hsts else {})
        self.ssl_host = ssl_host
        self.redirect_exempt = tuple(re.compile(pattern) for pattern in redirect_exempt)
        if not ssl_redirect:
            self.process_request = None  # type: ignore[assignment]  # nothing to do on the way in

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        """Send plain-HTTP requests to the same URL over HTTPS (`ssl_redirect`)."""
        if request.is_secure():
            return None
        path = request.path_info.lstrip("/")
        if any(pattern.search(path) for pattern in self.redirect_exempt):
            return None
        host = self.ssl_host or request.get_host()
        return HttpResponsePermanentRedirect(f"https://{host}{request.get_full_path()}")

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response.headers.setdefaults(self.headers)
        if self.https_headers and request.is_secure():
            response.headers.setdefaults(self.https_headers)
        return response


def _referrer_policy(policy: str | Sequence[str]) -> str:
    values = [v.strip() for v in policy.split(",")] if isinstance(policy, str) else list(policy)
    unknown = [value for value in values if value not in _REFERRER_POLICIES]
    if unknown:
        raise ImproperlyConfigured(
            f"SecurityMiddleware: unknown referrer_policy value(s) {unknown}; choose from "
            f"{sorted(_REFERRER_POLICIES)}."
        )
    return ",".join(values)


def _opener_policy(policy: str) -> str:
    if policy not in _OPENER_POLICIES:
        raise ImproperlyConfigured(
            f"SecurityMiddleware: unknown cross_origin_opener_policy {policy!r}; choose from "
            f"{sorted(_OPENER_POLICIES)}."
        )
    return policy


def _hsts(seconds: int, include_subdomains: bool, preload: bool) -> str | None:
    if seconds < 0:
        raise ImproperlyConfigured(
            f"SecurityMiddleware: hsts_seconds must be 0 (off) or positive, not {seconds}."
        )
    if not seconds:
        return None
    value = f"max-age={seconds}"
    if include_subdomains:
        value += "; includeSubDomains"
    if preload:
        value += "; preload"
    return value

"""Let pages on other origins call the app from the browser: CORS response headers.

django-cors-headers' `CorsMiddleware`, its settings as keyword options (the `CORS_`
prefix dropped, lower-cased). For a request whose path matches `urls_regex` (matched
from the start of `path_info`, as Django's `re.match`; None, the default: every path):

- an `Origin` that is allowed (listed in `allowed_origins`, matched whole by one of
  `allowed_origin_regexes`, or any when `allow_all_origins`) gets
  `Access-Control-Allow-Origin` (and `-Allow-Credentials`, `-Expose-Headers`);
- a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, 200 and
  empty, with the allowed methods, headers and max-age: the view never sees it;
- every response gets `Vary: Origin`, since its headers depend on that request header.

CORS headers a view set itself are kept. Each distinct Origin is judged once (a bounded
cache) and its headers are encoded once, as the other built-in middleware's are.

Origins are compared as origins: scheme, host and port, the default port implied
(`https://example.com` is `https://example.com:443`), case-insensitive in scheme and
host. An `Origin` that is not one (a path, user info, garbage) is never allowed. The
`null` origin (sandboxed frames, `file:` pages, some redirects) is shared by every such
page, so it is allowed only when `"null"` is listed itself: no regex and no wildcard
takes it with credentials. `allow_all_origins` answers `*`, which browsers refuse with
credentials, so it cannot be combined with `allow_credentials`: a configuration that
would reflect any Origin with cookies is refused when the app starts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse
from legato.http.response_base import HttpResponseBase
from legato.http.response_headers import DefaultHeaders
from legato.middleware._vary import add_vary
from legato.middleware.base import Middleware

__all__ = ["DEFAULT_HEADERS", "DEFAULT_METHODS", "CorsMiddleware"]

DEFAULT_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
DEFAULT_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int | None]  # scheme, host, port
_VARY_ORIGIN = DefaultHeaders({"Vary": "Origin"})


class CorsMiddleware(Middleware):
    """Add CORS headers for allowed origins; answer preflight requests without the view."""

    nonblocking = True

    def __init__(
        self,
        get_response: Callable[..., Any],
        *,
        allowed_origins: Sequence[str] = (),
        allowed_origin_regexes: Sequence[str | re.Pattern[str]] = (),
        allow_all_origins: bool = False,
        allow_methods: Sequence[str] = DEFAULT_METHODS,
        allow_headers: Sequence[str] = DEFAULT_HEADERS,
        expose_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        preflight_max_age: int = 86400,
        allow_private_network: bool = False,
        urls_regex: str | re.Pattern[str] | None = None,
    ) -> None:
        super().__init__(get_response)
        if allow_all_origins and allow_credentials:
            raise ImproperlyConfigured(
                "CorsMiddleware: allow_all_origins with allow_credentials would let any site "
                "read your users' responses with their cookies. List the origins in "
                "allowed_origins (or allowed_origin_regexes) instead."
            )
        self.allow_null = "null" in allowed_origins
        self.origins = frozenset(_configured(o) for o in allowed_origins if o != "null")
        self.regexes = tuple(re.compile(pattern) for pattern in allowed_origin_regexes)
        self.allow_all = allow_all_origins
        self.credentials = allow_credentials
        self.urls = None if urls_regex is None else re.compile(urls_regex)
        self.private_network = allow_private_network
        self.exposed = ", ".join(expose_headers)
        self.preflight_headers = _preflight_headers(allow_methods, allow_headers, preflight_max_age)
        # A page's origin comes back on each of its requests: each one is judged once. The
        # cache is bounded, so origins made up by a client only churn it.
        self.granted = functools.lru_cache(maxsize=256)(self._granted)

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        """Answer a preflight here: 200, empty; `process_response` adds the headers."""
        if (
            request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
            and self.applies_to(request)
        ):
            return HttpResponse()
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not self.applies_to(request):
            return response
        headers = response.headers
        if "Vary" in headers:
            add_vary(response, "Origin")
        else:
            headers.setdefaults(_VARY_ORIGIN)
        origin = request.headers.get("Origin")
        if origin is None:
            return response
        granted = self.granted(origin)
        if granted is None:
            return response
        headers.setdefaults(granted)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            headers.setdefaults(self.preflight_headers)
            self._add_private_network(request, response)
        return response

    def applies_to(self, request: HttpRequest) -> bool:
        """Whether the request's path is one CORS applies to (`urls_regex`; None: all)."""
        return self.urls is None or self.urls.match(request.path_info) is not None

    def allows(self, origin: str) -> bool:
        """Whether a request from `origin` (an Origin header's value) may read responses."""
        if self.allow_all:
            return True
        if origin == "null":
            return self.allow_null
        key = _origin(origin)
        if key is None:
            return False
        return key in self.origins or any(regex.fullmatch(origin) for regex in self.regexes)

    def _granted(self, origin: str) -> DefaultHeaders | None:
        """The headers that let `origin` read a response, or None if it may not."""
        if not self.allows(origin):
            return None
        granted = {"Access-Control-Allow-Origin": "*" if self.allow_all else origin}
        if self.credentials:
            granted["Access-Control-Allow-Credentials"] = "true"
        if self.exposed:
            granted["Access-Control-Expose-Headers"] = self.exposed
        return DefaultHeaders(granted)

    def _add_private_network(self, request: HttpRequest, response: HttpResponseBase) -> None:
        wants_private = request.headers.get("Access-Control-Request-Private-Network", "")
        if self.private_network and wants_private.lower() == "true":
            response.headers["Access-Control-Allow-Private-Network"] = "true"


def _origin(text: str) -> Origin | None:
    """(scheme, host, port) of an Origin value, or None if it is not a bare origin."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None  # a port that is not a number, a bad IPv6 literal
    host = parts.hostname
    if not parts.scheme or not host or parts.path or parts.query or parts.fragment:
        return None
    if parts.username is not None or text != text.strip():
        return None
    scheme = parts.scheme.lower()
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)


def _configured(origin: str) -> Origin:
    key = _origin(origin)
    if key is None:
        raise ImproperlyConfigured(
            f"CorsMiddleware: allowed origin {origin!r} is not an origin; write it as "
            "'https://example.com' or 'http://localhost:8000' (scheme, host, optional port, "
            "no path), or 'null'."
        )
    return key


def _preflight_headers(
    methods: Sequence[str], headers: Sequence[str], max_age: int
) -> DefaultHeaders:
    if max_age < 0:
        raise ImproperlyConfigured(
            f"CorsMiddleware: preflight_max_age must be 0 (not sent) or more, not {max_age}."
        )
    answer = {
        "Access-Control-Allow-Methods": ", ".join(m.upper() for m in methods),
        "Access-Control-Allow-Headers": ", ".join(h.lower() for h in headers),
    }
    if max_age:
        answer["Access-Control-Max-Age"] = str(max_age)
    return DefaultHeaders(answer)

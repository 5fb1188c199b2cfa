"""Hold what every response has: status, headers, cookies, charset, and its closing.

Invariants:
- `response.headers` is always a `ResponseHeaders` (http/response_headers.py); the
  dict-style methods here (`response["X"]`, `has_header`, `setdefault`...) are Django's
  shorthand for it.
- Cookies live in a `SimpleCookie` made on first use; http/cookies.py checks them when
  they are set and writes their Set-Cookie lines.
- What the server adapters call is here: `asgi_headers()` and `wsgi_headers()` (the
  headers, then one Set-Cookie per cookie), `make_bytes`, `close()` and `aclose()`.
- Names and semantics are Django's (django.http.response).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, ItemsView, Iterable
from contextlib import suppress
from functools import lru_cache
from http.client import responses
from http.cookies import SimpleCookie
from typing import Any, TypedDict, Unpack

from legato import signing
from legato.http import cookies
from legato.http.cookies import CookieOptions
from legato.http.response_headers import CONTROL_TEXT, BadHeaderError, HeaderSource, ResponseHeaders

__all__ = ["DEFAULT_CHARSET", "HttpResponseBase", "ResponseOptions", "run_closers"]

DEFAULT_CHARSET = "utf-8"
_DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"

_CHARSET_PARAM = re.compile(r";\s*charset=(?P<charset>[^\s;]+)", re.IGNORECASE)
_BYTES_LIKE = (bytes, bytearray, memoryview)


class ResponseOptions(TypedDict, total=False):
    """The keyword arguments every response takes, for subclasses that pass them on."""

    content_type: str | None
    status: int | None
    reason: str | None
    charset: str | None
    headers: HeaderSource | None


def _status_code(status: int | str) -> int:
    try:
        code = int(status)
    except (ValueError, TypeError):
        raise TypeError(f"HTTP status code must be an integer. Got {status!r}.") from None
    if not 100 <= code <= 599:
        raise ValueError(f"HTTP status code must be an integer from 100 to 599. Got {code}.")
    return code


def _content_type(content_type: str | None, charset: str | None) -> str:
    if content_type is not None:
        return content_type
    return _DEFAULT_CONTENT_TYPE if charset is None else f"text/html; charset={charset}"


def _initial_headers(
    content_type: str | None, charset: str | None, headers: HeaderSource | None
) -> ResponseHeaders:
    if not headers:
        return ResponseHeaders.for_body(_content_type(content_type, charset))
    given = ResponseHeaders(headers)
    if "content-type" not in given:
        given["Content-Type"] = _content_type(content_type, charset)
    elif content_type:
        raise ValueError(
            "'headers' must not contain 'Content-Type' when the 'content_type' "
            "parameter is provided."
        )
    return given


@lru_cache(maxsize=64)
def _charset_of(content_type: str) -> str:
    # A memo of a pure function: a response's few content types are parsed once.
    match = _CHARSET_PARAM.search(content_type)
    return match["charset"].replace('"', "") if match else DEFAULT_CHARSET


class HttpResponseBase:
    """What every response has: status, headers, cookies, charset, close()."""

    status_code = 200
    streaming = False
    closed = False
    headers: ResponseHeaders
    # Class-level defaults: the hot path (a hello-world response) sets none of these.
    _charset: str | None = None
    _reason_phrase: str | None = None
    _cookies: SimpleCookie | None = None
    _resource_closers: tuple[Callable[[], object], ...] = ()

    def __init__(
        self,
        content_type: str | None = None,
        status: int | None = None,
        reason: str | None = None,
        charset: str | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        self.headers = _initial_headers(content_type, charset, headers)
        if status is not None:
            self.status_code = _status_code(status)
        if reason is not None:
            self.reason_phrase = reason
        if charset is not None:
            self._charset = charset

    def __repr__(self) -> str:
        shown = self._content_type_for_repr
        return f"<{type(self).__name__} status_code={self.status_code}{shown}>"

    @property
    def _content_type_for_repr(self) -> str:
        # Django's name: what the reprs of every response class show of the content type.
        content_type = self.headers.get("Content-Type")
        return "" if content_type is None else f', "{content_type}"'

    @property
    def reason_phrase(self) -> str:
        if self._reason_phrase is not None:
            return self._reason_phrase
        return responses.get(self.status_code, "Unknown Status Code")

    @reason_phrase.setter
    def reason_phrase(self, value: str) -> None:
        if CONTROL_TEXT.search(value):
            raise BadHeaderError(f"The reason phrase can't contain control characters: {value!r}")
        self._reason_phrase = value

    @property
    def charset(self) -> str:
        if self._charset is not None:
            return self._charset
        content_type = self.headers.get("Content-Type")
        return DEFAULT_CHARSET if content_type is None else _charset_of(content_type)

    @charset.setter
    def charset(self, value: str) -> None:
        self._charset = value

    # Dict-style shorthand for the headers, as in Django.

    def __setitem__(self, header: str, value: object) -> None:
        self.headers[header] = value

    def __delitem__(self, header: str) -> None:
        self.headers.pop(header, None)

    def __getitem__(self, header: str) -> str:
        return self.headers[header]

    def has_header(self, header: str) -> bool:
        return header in self.headers

    __contains__ = has_header

    def items(self) -> ItemsView[str, str]:
        return self.headers.items()

    def get(self, header: str, alternate: Any = None) -> Any:
        return self.headers.get(header, alternate)

    def setdefault(self, key: str, value: object) -> None:
        self.headers.setdefault(key, value)

    # Cookies.

    @property
    def cookies(self) -> SimpleCookie:
        if self._cookies is None:  # most responses set none: create on first use
            self._cookies = SimpleCookie()
        return self._cookies

    @cookies.setter
    def cookies(self, value: SimpleCookie) -> None:
        self._cookies = value

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | float | datetime.timedelta | None = None,
        expires: str | datetime.datetime | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None:
        """Set a cookie; `expires` may be a datetime (naive means UTC) or a string."""
        cookies.set_cookie(
            self.cookies,
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    def set_signed_cookie(
        self, key: str, value: str, salt: str = "", **options: Unpack[CookieOptions]
    ) -> None:
        """Set a cookie whose value is signed with the app's secret key (legato/signing.py).

        `request.get_signed_cookie(key, salt=salt)` gives the value back; ImproperlyConfigured
        when the app has no secret key.
        """
        self.set_cookie(key, signing.sign_cookie(key, value, salt), **options)

    def delete_cookie(
        self, key: str, path: str = "/", domain: str | None = None, samesite: str | None = None
    ) -> None:
        cookies.delete_cookie(self.cookies, key, path=path, domain=domain, samesite=samesite)

    # What the server adapters call.

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """Every header as (lower-case name, value) latin-1 bytes, then the cookies."""
        headers = self.headers.wire_items()
        if self._cookies:
            for key, morsel in self._cookies.items():
                line = cookies.set_cookie_line(key, morsel)
                headers.append((b"set-cookie", line.encode("ascii")))
        return headers

    def wsgi_headers(self) -> list[tuple[str, str]]:
        """Every header as (name, value) str pairs for start_response, then the cookies."""
        headers = list(self.headers.items())
        if self._cookies:
            for key, morsel in self._cookies.items():
                headers.append(("Set-Cookie", cookies.set_cookie_line(key, morsel)))
        return headers

    def serialize_headers(self) -> bytes:
        """The headers as "Name: value" lines (no cookies, no status line), as Django's."""
        return b"\r\n".join(
            name.encode("ascii") + b": " + value.encode("latin-1")
            for name, value in self.headers.items()
        )

    __bytes__ = serialize_headers

    def make_bytes(self, value: object) -> bytes:
        """Turn one piece of content into bytes, encoding text with the charset."""
        if isinstance(value, _BYTES_LIKE):
            return bytes(value)
        if isinstance(value, str):
            return value.encode(self.charset)
        return str(value).encode(self.charset)

    def _add_closer(self, closer: Callable[[], object]) -> None:
        self._resource_closers = (*self._resource_closers, closer)

    def close(self) -> None:
        """Release what the response holds (files, generators); safe to call twice."""
        self.closed = True
        if self._resource_closers:
            closers, self._resource_closers = self._resource_closers, ()
            run_closers(closers)

    async def aclose(self) -> None:
        self.close()

    # File-like API: Django's, so that code writing to a response keeps working.

    def write(self, content: object) -> None:
        raise OSError(f"This {type(self).__name__} instance is not writable")

    def writelines(self, lines: Iterable[object]) -> None:
        raise OSError(f"This {type(self).__name__} instance is not writable")

    def tell(self) -> int:
        raise OSError(f"This {type(self).__name__} instance cannot tell its position")

    def flush(self) -> None:
        pass

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False


def run_closers(closers: Iterable[Callable[[], object]]) -> None:
    """Call each closer, going on past any that fails, as Django does."""
    for closer in closers:
        with suppress(Exception):  # one failing closer must not skip the rest
            closer()

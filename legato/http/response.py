"""Build the responses a view returns, as values that the ASGI and WSGI adapters send.

Invariants:
- A header name is an RFC 7230 token and a header value holds no control character
  but tab: both are checked when assigned (BadHeaderError), never when sent.
- Every header keeps its wire form (lower-case name, latin-1 value) next to its text,
  so `asgi_headers()` is one list copy plus a line per cookie.
- `HttpResponse` holds its body in memory and keeps Content-Length in step with it.
- `StreamingHttpResponse` never buffers: `aiter_chunks` yields each chunk as soon as it
  is produced; a sync iterator advances in `run_sync` (a worker thread), never on the
  event loop. Its source is closed when the response is closed or the stream ends.
- Names and semantics are Django's (django.http.response); what is added is the
  adapters' side: `asgi_headers`, `wsgi_headers`, `aiter_chunks`, `iter_chunks`, `aclose`.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import mimetypes
import os
import re
import sys
import threading
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from contextlib import suppress
from email.header import Header
from email.utils import formatdate
from functools import partial
from http.client import responses
from http.cookies import Morsel, SimpleCookie
from json import JSONEncoder
from typing import IO, TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar, Unpack, cast
from urllib.parse import quote, urlsplit

from legato.exceptions import DisallowedRedirect
from legato.http import _json

__all__ = [
    "BadHeaderError",
    "DefaultHeaders",
    "FileResponse",
    "Http404",
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseBase",
    "HttpResponseForbidden",
    "HttpResponseGone",
    "HttpResponseNotAllowed",
    "HttpResponseNotFound",
    "HttpResponseNotModified",
    "HttpResponsePermanentRedirect",
    "HttpResponseRedirect",
    "HttpResponseRedirectBase",
    "HttpResponseServerError",
    "JsonResponse",
    "ResponseHeaders",
    "RunSync",
    "StreamingHttpResponse",
]

_T = TypeVar("_T")

DEFAULT_CHARSET = "utf-8"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Everything below 0x20 but tab, and DEL: CR and LF split headers, NUL truncates them
# in C parsers, the rest is refused by strict proxies.
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CHARSET_PARAM = re.compile(r";\s*charset=(?P<charset>[^\s;]+)", re.IGNORECASE)

HeaderSource = Mapping[str, object] | Iterable[tuple[str, object]]


class BadHeaderError(ValueError):
    """A header name or value would corrupt the response (e.g. CR/LF injection)."""


class Http404(Exception):
    """The thing asked for does not exist: answered with 404."""


class RunSync(Protocol):
    """How the app runs sync code off the event loop (its thread pool)."""

    def __call__(self, func: Callable[[], _T], /) -> Awaitable[_T]: ...


def _to_thread(func: Callable[[], _T]) -> Awaitable[_T]:
    return asyncio.to_thread(func)


# ---------------------------------------------------------------- headers


# Header names already found valid -> (lower-case name, its wire bytes). A memo of a pure
# function, bounded, so that middleware setting the same few headers on every response
# pays for the token check once per name, not per response.
_VALID_NAMES: dict[str, tuple[str, bytes]] = {}
_VALID_NAMES_LIMIT = 1024


def _valid_name(name: str) -> tuple[str, bytes]:
    lower = name.lower()
    known = (lower, lower.encode("ascii"))
    if len(_VALID_NAMES) < _VALID_NAMES_LIMIT:
        _VALID_NAMES[name] = known
    return known


def _header_name(name: object) -> str:
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    if not isinstance(name, str):
        raise TypeError(f"Header names must be str, not {type(name).__name__} ({name!r}).")
    if _TOKEN.fullmatch(name) is None:
        raise BadHeaderError(
            f"Header name {name!r} is not an HTTP token: use only letters, digits "
            "and !#$%&'*+-.^_`|~ (no spaces, colons or control characters)."
        )
    return name


def _injection(name: str, value: object) -> BadHeaderError:
    return BadHeaderError(
        f"Header values can't contain newlines or control characters (got {value!r} "
        f"for header {name!r}); remove them before setting the header."
    )


def _header_value(name: str, value: object) -> tuple[str, bytes]:
    """Return the text and the latin-1 wire bytes of one header value."""
    if type(value) is str and value.isprintable() and value.isascii():
        return value, value.encode("ascii")  # the common case: nothing to check or encode
    if isinstance(value, bytes):
        if _CONTROL_BYTES.search(value):
            raise _injection(name, value)
        return value.decode("latin-1"), value
    if isinstance(value, int):  # ints are Content-Length, Max-Forwards...: nothing to check
        text = str(value)
        return text, text.encode("ascii")
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable() and _CONTROL_TEXT.search(text):
        raise _injection(name, value)
    try:
        return text, text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    # What Django does with non-latin-1 text: an RFC 2047 encoded word.
    encoded = Header(text, "utf-8", maxlinelen=sys.maxsize).encode()
    if _CONTROL_TEXT.search(encoded):  # folding would reintroduce line breaks
        raise _injection(name, value)
    return encoded, encoded.encode("ascii")


class _HeaderItems(ItemsView[str, str]):
    _mapping: ResponseHeaders

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._mapping._store.values()))


class ResponseHeaders(MutableMapping[str, str]):
    """The headers of one response: case-insensitive, keeping the case first given.

    Values may be str (latin-1, else RFC 2047 encoded), bytes (latin-1) or int; other
    objects are converted with str(), as Django does.
    """

    __slots__ = ("_raw", "_store")

    def __init__(self, data: HeaderSource | None = None) -> None:
        self._store: dict[str, tuple[str, str]] = {}  # lower name -> (name, text)
        self._raw: dict[str, tuple[bytes, bytes]] = {}  # lower name -> wire pair
        if data:
            for name, value in data.items() if isinstance(data, Mapping) else data:
                self[name] = value

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __setitem__(self, name: str, value: object) -> None:
        known = _VALID_NAMES.get(name)
        if known is None:
            name = _header_name(name)
            known = _valid_name(name)
        self._set(name, known, value)

    def _set(self, name: str, known: tuple[str, bytes], value: object) -> str:
        lower, raw_name = known
        entry = self._store.get(lower)
        text, raw = _header_value(name, value)
        self._store[lower] = (name if entry is None else entry[0], text)
        self._raw[lower] = (raw_name, raw)
        return text

    def __delitem__(self, name: str) -> None:
        lower = name.lower()
        del self._store[lower]
        del self._raw[lower]

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in self._store.values()])

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._store.values())!r})"

    def get(self, name: str, default: Any = None) -> Any:
        entry = self._store.get(name.lower()) if isinstance(name, str) else None
        return default if entry is None else entry[1]

    def setdefault(self, name: str, default: object = "") -> str:
        known = _VALID_NAMES.get(name)
        if known is None:
            if name in self:
                return self[name]
            name = _header_name(name)
            known = _valid_name(name)
        else:
            entry = self._store.get(known[0])
            if entry is not None:
                return entry[1]
        return self._set(name, known, default)

    def items(self) -> ItemsView[str, str]:
        return _HeaderItems(self)

    @classmethod
    def _for_body(
        cls, content_type: tuple[tuple[str, str], tuple[bytes, bytes]], length: int
    ) -> ResponseHeaders:
        """The headers of a body the framework framed: a known Content-Type, a length."""
        headers = cls.__new__(cls)
        text = str(length)
        headers._store = {
            "content-type": content_type[0],
            "content-length": ("Content-Length", text),
        }
        headers._raw = {
            "content-type": content_type[1],
            "content-length": (b"content-length", text.encode("ascii")),
        }
        return headers

    def _put(self, lower: str, name: str, text: str, raw: tuple[bytes, bytes]) -> None:
        """Set a header whose name and value the caller built and knows to be valid."""
        entry = self._store.get(lower)
        self._store[lower] = (name if entry is None else entry[0], text)
        self._raw[lower] = raw


class DefaultHeaders:
    """Headers to give every response that lacks them, checked and encoded once.

    For middleware: `DefaultHeaders({"X-Frame-Options": "DENY"}).apply(response)` does
    what `response.headers.setdefault(...)` would for each header, without validating
    and encoding the same names and values on every response.
    """

    __slots__ = ("_entries", "_framing", "names", "wire_pairs")

    def __init__(self, headers: HeaderSource) -> None:
        checked = ResponseHeaders(headers)  # the same checks as any header assignment
        self._entries = tuple(
            (lower, entry, checked._raw[lower]) for lower, entry in checked._store.items()
        )
        self.wire_pairs = tuple(pair for _, _, pair in self._entries)
        self.names = frozenset(checked._store)
        self._framing = bool({"content-type", "content-length"} & self.names)

    def apply(self, response: HttpResponseBase) -> None:
        """Set each header that `response` does not have yet."""
        # A body the framework framed, whose header map was never built, has only
        # Content-Type and Content-Length: these are missing. Noted, not built.
        if (
            "headers" not in response.__dict__
            and not self._framing
            and isinstance(response, HttpResponse)
            and response._note_defaults(self)
        ):
            return
        self.apply_to(response.headers)

    def apply_to(self, headers: ResponseHeaders) -> None:
        store = headers._store
        raw = headers._raw
        for lower, entry, pair in self._entries:
            if lower not in store:
                store[lower] = entry
                raw[lower] = pair

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(entry for _, entry, _ in self._entries)!r})"


def _known_content_types() -> dict[str, tuple[tuple[bytes, bytes], str]]:
    """Content types the framework sets itself, with wire form and charset precomputed."""
    known = {
        "text/html; charset=utf-8": "utf-8",
        "text/plain; charset=utf-8": "utf-8",
        "application/json": "utf-8",
        "text/event-stream": "utf-8",
        "application/octet-stream": "utf-8",
    }
    return {value: ((b"content-type", value.encode()), charset) for value, charset in known.items()}


_KNOWN_CONTENT_TYPES = _known_content_types()
_DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
_DEFAULT_CONTENT_TYPE_ENTRY = ("Content-Type", _DEFAULT_CONTENT_TYPE)
# content_type argument -> (store entry, wire pair); None stands for the default.
_KNOWN_CONTENT_TYPE_ENTRIES: dict[str | None, tuple[tuple[str, str], tuple[bytes, bytes]]] = {
    value: (("Content-Type", value), raw) for value, (raw, _) in _KNOWN_CONTENT_TYPES.items()
}
_KNOWN_CONTENT_TYPE_ENTRIES[None] = (
    _DEFAULT_CONTENT_TYPE_ENTRY,
    _KNOWN_CONTENT_TYPES[_DEFAULT_CONTENT_TYPE][0],
)
_JSON_CONTENT_TYPE_ENTRY = _KNOWN_CONTENT_TYPE_ENTRIES["application/json"]
_BYTES_LIKE = (bytes, bytearray, memoryview)


# ---------------------------------------------------------------- cookies


def _cookie_attribute(key: str, attribute: str, value: object) -> str:
    text = str(value)
    if ";" in text or _CONTROL_TEXT.search(text):
        raise BadHeaderError(
            f"The {attribute} of cookie {key!r} can't contain ';' or control characters "
            f"(got {text!r}): they would add attributes or headers. Remove them."
        )
    return text


def _cookie_lifetime(
    key: str, max_age: int | float | datetime.timedelta | None, expires: object
) -> tuple[str, int | None]:
    """Return (Expires, Max-Age) as Django derives them from either argument."""
    if isinstance(expires, datetime.datetime):
        if max_age is not None:
            raise ValueError("'expires' and 'max_age' can't be used together.")
        if expires.utcoffset() is None:
            expires = expires.replace(tzinfo=datetime.UTC)
        # One second more, as Django: whole seconds would otherwise expire it early.
        delta = expires - datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=1)
        max_age, expires = max(0, delta.days * 86400 + delta.seconds), None
    expires_text = "" if expires is None else _cookie_attribute(key, "expires", expires)
    if max_age is None:
        return expires_text, None
    if isinstance(max_age, datetime.timedelta):
        max_age = max_age.total_seconds()
    seconds = int(max_age)
    return expires_text or formatdate(time.time() + seconds, usegmt=True), seconds


def _samesite(value: str) -> str:
    if value.lower() not in ("lax", "none", "strict"):
        raise ValueError(f'samesite must be "lax", "none", or "strict" (got {value!r}).')
    return value


def _set_cookie_line(key: str, morsel: Morsel[str]) -> str:
    line = morsel.OutputString()
    if not line.isprintable() and _CONTROL_TEXT.search(line):
        raise BadHeaderError(
            f"Cookie {key!r} would be sent with control characters ({line!r}); "
            "set cookies with set_cookie(), which checks every attribute."
        )
    if not line.isascii():
        raise BadHeaderError(
            f"Cookie {key!r} holds characters that can't be sent ({line!r}): "
            "encode its value first (e.g. urllib.parse.quote)."
        )
    return line


# ---------------------------------------------------------------- base


def _status_code(status: int | str) -> int:
    try:
        code = int(status)
    except (ValueError, TypeError):
        raise TypeError(f"HTTP status code must be an integer (got {status!r}).") from None
    if not 100 <= code <= 599:
        raise ValueError(f"HTTP status code must be an integer from 100 to 599 (got {code}).")
    return code


class HttpResponseBase:
    """What every response has: status, headers, cookies, charset, close()."""

    status_code = 200
    streaming = False
    closed = False
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
        self.headers = header_map = ResponseHeaders(headers)
        if status is not None:
            self.status_code = _status_code(status)
        if reason is not None:
            self.reason_phrase = reason
        if charset is None and not headers:
            known = _KNOWN_CONTENT_TYPE_ENTRIES.get(content_type)
            if known is not None:  # the common case: a type set by the framework, as is
                header_map._store["content-type"], header_map._raw["content-type"] = known
                return
        self._charset = charset
        if "content-type" not in header_map._store:
            self._set_content_type(content_type, charset)
        elif content_type:
            raise ValueError(
                "'headers' must not contain 'Content-Type' when the 'content_type' "
                "parameter is provided."
            )

    def _set_content_type(self, content_type: str | None, charset: str | None) -> None:
        if content_type is None:
            if charset is None:
                content_type = _DEFAULT_CONTENT_TYPE
            else:
                content_type = f"text/html; charset={charset}"
        known = _KNOWN_CONTENT_TYPES.get(content_type)
        if known is None:
            self.headers["Content-Type"] = content_type
        else:
            self.headers._put("content-type", "Content-Type", content_type, known[0])

    def __repr__(self) -> str:
        content_type = self.headers.get("Content-Type")
        shown = f', "{content_type}"' if content_type is not None else ""
        return f"<{type(self).__name__} status_code={self.status_code}{shown}>"

    @property
    def reason_phrase(self) -> str:
        if self._reason_phrase is not None:
            return self._reason_phrase
        return responses.get(self.status_code, "Unknown Status Code")

    @reason_phrase.setter
    def reason_phrase(self, value: str) -> None:
        if _CONTROL_TEXT.search(value):
            raise BadHeaderError(f"The reason phrase can't contain control characters: {value!r}")
        self._reason_phrase = value

    @property
    def charset(self) -> str:
        if self._charset is not None:
            return self._charset
        entry = self.headers._store.get("content-type")
        if entry is None or entry is _DEFAULT_CONTENT_TYPE_ENTRY:
            return DEFAULT_CHARSET
        known = _KNOWN_CONTENT_TYPES.get(entry[1])
        if known is not None:
            return known[1]
        match = _CHARSET_PARAM.search(entry[1])
        return match["charset"].replace('"', "") if match else DEFAULT_CHARSET

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
        expires_text, max_age_seconds = _cookie_lifetime(key, max_age, expires)
        attributes: dict[str, object] = {"expires": expires_text}
        if max_age_seconds is not None:
            attributes["max-age"] = max_age_seconds
        if path is not None:
            attributes["path"] = _cookie_attribute(key, "path", path)
        if domain is not None:
            attributes["domain"] = _cookie_attribute(key, "domain", domain)
        if secure:
            attributes["secure"] = True
        if httponly:
            attributes["httponly"] = True
        if samesite:
            attributes["samesite"] = _samesite(samesite)
        cookies = self.cookies
        cookies[key] = value
        morsel = cookies[key]
        for attribute, attribute_value in attributes.items():
            morsel[attribute] = attribute_value
        try:
            _set_cookie_line(key, morsel)  # fail here, not when the response is sent
        except BadHeaderError:
            del cookies[key]
            raise

    def delete_cookie(
        self, key: str, path: str = "/", domain: str | None = None, samesite: str | None = None
    ) -> None:
        # Browsers ignore a cookie without Secure if its name has one of these prefixes
        # or if it says SameSite=None, so the deletion would not take.
        secure = key.startswith(("__Secure-", "__Host-")) or bool(
            samesite and samesite.lower() == "none"
        )
        self.set_cookie(
            key,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            samesite=samesite,
        )

    # What the server adapters call.

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """Every header as (lower-case name, value) latin-1 bytes, then the cookies."""
        headers = list(self.headers._raw.values())
        if self._cookies:
            self._add_asgi_cookies(headers)
        return headers

    def _add_asgi_cookies(self, headers: list[tuple[bytes, bytes]]) -> None:
        for key, morsel in self.cookies.items():
            headers.append((b"set-cookie", _set_cookie_line(key, morsel).encode("ascii")))

    def wsgi_headers(self) -> list[tuple[str, str]]:
        """Every header as (name, value) str pairs for start_response, then the cookies."""
        headers = list(self.headers._store.values())
        if self._cookies:
            for key, morsel in self._cookies.items():
                headers.append(("Set-Cookie", _set_cookie_line(key, morsel)))
        return headers

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
            _run_closers(closers)

    async def aclose(self) -> None:
        self.close()

    # File-like API: Django's, so that code writing to a response keeps working.

    def write(self, content: object) -> None:
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


def _run_closers(closers: Iterable[Callable[[], object]]) -> None:
    for closer in closers:
        with suppress(Exception):  # as Django: one failing closer must not skip the rest
            closer()


class _FramedHeaders:
    """`HttpResponse.headers` for a body built on the fast path: made on first use.

    A non-data descriptor: `HttpResponseBase.__init__` assigns `headers` on the instance,
    which then shadows this, as does the value built here.
    """

    def __get__(self, instance: HttpResponse | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        headers = ResponseHeaders._for_body(instance._framed_type, instance._length)
        for defaults in instance._pending_defaults:
            defaults.apply_to(headers)
        instance._pending_defaults = ()
        instance.__dict__["headers"] = headers
        return headers


class _ResponseOptions(TypedDict, total=False):
    content_type: str | None
    status: int | None
    reason: str | None
    charset: str | None
    headers: HeaderSource | None


class _ContentOptions(_ResponseOptions, total=False):
    content: object


# ---------------------------------------------------------------- in-memory


class HttpResponse(HttpResponseBase):
    """A response whose body is in memory: str (encoded), bytes, or an iterable of them."""

    streaming = False
    _container: list[bytes]
    _length: int
    _framed_type: tuple[tuple[str, str], tuple[bytes, bytes]]
    # Defaults middleware gave a framed response before its header map existed; set
    # apart only while no two of them name the same header.
    _pending_defaults: tuple[DefaultHeaders, ...] = ()

    if TYPE_CHECKING:
        headers: ResponseHeaders
    else:
        headers = _FramedHeaders()

    def __init__(
        self,
        content: object = b"",
        content_type: str | None = None,
        status: int | None = None,
        reason: str | None = None,
        charset: str | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        if (
            type(content) is bytes
            and status is None
            and reason is None
            and charset is None
            and headers is None
            and self.status_code == 200
        ):
            known = _KNOWN_CONTENT_TYPE_ENTRIES.get(content_type)
            if known is not None:
                # What most views return (bytes or JSON, a framework content type): nothing
                # to check, and `headers` is only built if someone reads or changes it.
                self._framed_type = known
                self._container = [content]
                self._length = len(content)
                return
        super().__init__(content_type, status, reason, charset, headers)
        self._set_content(content)  # sets _container and _length

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        if "headers" in self.__dict__:
            return super().asgi_headers()
        headers = [self._framed_type[1], (b"content-length", str(self._length).encode("ascii"))]
        for defaults in self._pending_defaults:
            headers.extend(defaults.wire_pairs)
        if self._cookies:
            self._add_asgi_cookies(headers)
        return headers

    def _note_defaults(self, defaults: DefaultHeaders) -> bool:
        """Keep `defaults` for later, unless they overlap some kept already."""
        pending = self._pending_defaults
        if all(kept.names.isdisjoint(defaults.names) for kept in pending):
            self._pending_defaults = (*pending, defaults)
            return True
        return False

    @property
    def content(self) -> bytes:
        container = self._container
        return container[0] if len(container) == 1 else b"".join(container)

    @content.setter
    def content(self, value: object) -> None:
        self._set_content(value)

    @property
    def text(self) -> str:
        return self.content.decode(self.charset)

    def _set_content(self, value: object) -> None:
        if isinstance(value, str):
            body = value.encode(self.charset)
        elif isinstance(value, _BYTES_LIKE):
            body = bytes(value)
        elif isinstance(value, Iterable):
            body = self._join(value)
        else:
            body = self.make_bytes(value)
        self._container = [body]
        self._set_length(len(body))

    def _join(self, chunks: Iterable[object]) -> bytes:
        # Consumed now so the content can be read more than once, then closed as Django.
        try:
            return b"".join([self.make_bytes(chunk) for chunk in chunks])
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                with suppress(Exception):
                    close()

    def _set_length(self, length: int) -> None:
        self._length = length
        status = self.status_code
        if status < 200 or status in (204, 304):  # RFC 9110: no Content-Length for these
            return
        text = str(length)
        headers = self.headers
        entry = headers._store.get("content-length")
        headers._store["content-length"] = ("Content-Length" if entry is None else entry[0], text)
        headers._raw["content-length"] = (b"content-length", text.encode("ascii"))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._container)

    def write(self, content: object) -> None:
        chunk = self.make_bytes(content)
        self._container.append(chunk)
        self._set_length(self._length + len(chunk))

    def writelines(self, lines: Iterable[object]) -> None:
        for line in lines:
            self.write(line)

    def tell(self) -> int:
        return self._length

    def getvalue(self) -> bytes:
        return self.content

    def writable(self) -> bool:
        return True


class JsonResponse(HttpResponse):
    """Serialize `data` to JSON with orjson (the json module if `encoder` is given)."""

    def __init__(
        self,
        data: object,
        encoder: type[JSONEncoder] | None = None,
        safe: bool = True,
        json_dumps_params: Mapping[str, Any] | None = None,
        **options: Unpack[_ResponseOptions],
    ) -> None:
        if safe and not isinstance(data, dict):
            raise TypeError(
                "In order to allow non-dict objects to be serialized set the "
                "safe parameter to False."
            )
        body = _json.dumps_for_response(data, encoder, json_dumps_params)
        if not options and self.status_code == 200:
            # What most JSON views return: framed directly, as HttpResponse's fast path
            # would, without the two __init__ calls on the way there.
            self._framed_type = _JSON_CONTENT_TYPE_ENTRY
            self._container = [body]
            self._length = len(body)
            return
        super().__init__(
            body,
            options.get("content_type", "application/json"),
            options.get("status"),
            options.get("reason"),
            options.get("charset"),
            options.get("headers"),
        )


class HttpResponseRedirectBase(HttpResponse):
    """A redirect to `redirect_to`, which must be relative or use an allowed scheme."""

    allowed_schemes = ["http", "https", "ftp"]
    status_code_preserve_request = 307

    def __init__(
        self,
        redirect_to: object,
        preserve_request: bool = False,
        **options: Unpack[_ContentOptions],
    ) -> None:
        super().__init__(**options)
        url = str(redirect_to)
        try:
            scheme = urlsplit(url).scheme
        except ValueError as exc:
            raise DisallowedRedirect(f"Can't redirect to {url!r}: {exc}.") from exc
        if scheme and scheme not in self.allowed_schemes:
            raise DisallowedRedirect(
                f"Unsafe redirect to URL with protocol {scheme!r}: redirect to a relative "
                f"URL or one with a scheme in {self.allowed_schemes}."
            )
        # IRI to URI as Django: percent-encodes CR, LF and everything else not allowed.
        self["Location"] = quote(url, safe="/#%[]=:;$&()+,!?*@'~")
        if preserve_request:
            self.status_code = self.status_code_preserve_request

    @property
    def url(self) -> str:
        return self["Location"]

    def __repr__(self) -> str:
        return f'{super().__repr__()[:-1]}, url="{self.url}">'


class HttpResponseRedirect(HttpResponseRedirectBase):
    status_code = 302
    status_code_preserve_request = 307


class HttpResponsePermanentRedirect(HttpResponseRedirectBase):
    status_code = 301
    status_code_preserve_request = 308


class HttpResponseNotModified(HttpResponse):
    status_code = 304

    def __init__(self, **options: Unpack[_ContentOptions]) -> None:
        super().__init__(**options)
        del self["Content-Type"]

    def _set_content(self, value: object) -> None:
        if value:
            raise AttributeError("You cannot set content to a 304 (Not Modified) response")
        self._container = []
        self._length = 0


class HttpResponseBadRequest(HttpResponse):
    status_code = 400


class HttpResponseNotFound(HttpResponse):
    status_code = 404


class HttpResponseForbidden(HttpResponse):
    status_code = 403


class HttpResponseNotAllowed(HttpResponse):
    status_code = 405

    def __init__(
        self, permitted_methods: Iterable[str], **options: Unpack[_ContentOptions]
    ) -> None:
        super().__init__(**options)
        self["Allow"] = ", ".join(permitted_methods)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{self['Allow']}] status_code={self.status_code}, "
            f'"{self.get("Content-Type")}">'
        )


class HttpResponseGone(HttpResponse):
    status_code = 410


class HttpResponseServerError(HttpResponse):
    status_code = 500


# ---------------------------------------------------------------- streaming

StreamSource = Iterable[object] | AsyncIterable[object]


class StreamingHttpResponse(HttpResponseBase):
    """A response whose body comes from a sync or async iterable of bytes or str.

    At shut-down a stream gets the grace period to finish, as any request does, unless
    `ends_at_shutdown` is true: then it is ended as soon as shut-down begins (its
    iterator is closed, its `finally` blocks run), after `shutdown_chunk()`.
    """

    streaming = True
    ends_at_shutdown = False

    def __init__(
        self,
        streaming_content: StreamSource = (),
        content_type: str | None = None,
        status: int | None = None,
        reason: str | None = None,
        charset: str | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        super().__init__(content_type, status, reason, charset, headers)
        # A lock only once a sync iterator is stepped in worker threads (aiter_chunks).
        self._lock: threading.Lock | None = None
        self._stepping = False
        self._close_requested = False
        self._chunks: AsyncGenerator[bytes, None] | None = None
        self.streaming_content = streaming_content

    @property
    def content(self) -> bytes:
        raise AttributeError(
            f"This {type(self).__name__} instance has no `content` attribute. "
            "Use `streaming_content` instead."
        )

    @property
    def text(self) -> str:
        raise AttributeError(
            f"This {type(self).__name__} instance has no `text` attribute. "
            "Use `streaming_content` instead."
        )

    @property
    def streaming_content(self) -> Iterator[bytes] | AsyncIterator[bytes]:
        if self._async_iterator is not None:
            return self._async_bytes(self._async_iterator)
        assert self._sync_iterator is not None  # one of the two is always set
        return map(self.make_bytes, self._sync_iterator)

    @streaming_content.setter
    def streaming_content(self, value: StreamSource) -> None:
        self._set_streaming_content(value)

    def _set_streaming_content(self, value: StreamSource) -> None:
        self._sync_iterator: Iterator[object] | None = None
        self._async_iterator: AsyncIterator[object] | None = None
        # Sync first when a source is both, as Django; iter() also takes __getitem__.
        if isinstance(value, AsyncIterable) and not isinstance(value, Iterable):
            self._async_iterator = aiter(value)
        else:
            try:
                self._sync_iterator = iter(cast(Iterable[object], value))  # iterated once
            except TypeError:
                raise TypeError(
                    f"{type(self).__name__} needs an iterable or an async iterable of bytes "
                    f"or str, not {type(value).__name__}."
                ) from None
        self.is_async = self._async_iterator is not None
        close = getattr(value, "close", None)
        if callable(close):
            self._add_closer(close)

    async def _async_bytes(self, iterator: AsyncIterator[object]) -> AsyncIterator[bytes]:
        async for part in iterator:
            yield self.make_bytes(part)

    def shutdown_chunk(self) -> bytes:
        """The last bytes sent when shut-down ends the stream early: none, for a plain one."""
        return b""

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_chunks()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.aiter_chunks()

    def getvalue(self) -> bytes:
        return b"".join(self.iter_chunks())

    def iter_chunks(self) -> Iterator[bytes]:
        """The body for a sync (WSGI) server: every chunk as bytes."""
        if self._sync_iterator is None:
            raise TypeError(
                f"This {type(self).__name__} streams an async iterator, which a sync (WSGI) "
                "server can't consume yet: serve the app with ASGI, or stream a sync iterator."
            )
        return map(self.make_bytes, self._sync_iterator)

    def aiter_chunks(self, run_sync: RunSync | None = None) -> AsyncIterator[bytes]:
        """The body for an ASGI server: every chunk as bytes, as soon as it is produced.

        Each step of a sync iterator runs through `run_sync`, so a slow generator never
        blocks the event loop; an async iterator is awaited directly.
        """
        chunks = self._stream(self._chunk_puller(run_sync or _to_thread))
        self._chunks = chunks
        return chunks

    async def _stream(
        self, pull: Callable[[], Awaitable[bytes | None]]
    ) -> AsyncGenerator[bytes, None]:
        while (chunk := await pull()) is not None:
            yield chunk

    def _chunk_puller(self, run_sync: RunSync) -> Callable[[], Awaitable[bytes | None]]:
        """Return a function whose awaitable gives the next chunk, or None at the end."""
        iterator = self._async_iterator
        if iterator is None:
            if self._lock is None:
                self._lock = threading.Lock()
            return partial(run_sync, self._next_chunk)
        make_bytes = self.make_bytes

        async def pull() -> bytes | None:
            try:
                part = await anext(iterator)
            except StopAsyncIteration:
                self.close()
                return None
            return make_bytes(part)

        return pull

    def _next_chunk(self) -> bytes | None:
        """Advance the sync iterator once; runs in a worker thread."""
        lock, iterator = self._lock, self._sync_iterator
        assert lock is not None  # both set up by _chunk_puller
        assert iterator is not None
        with lock:
            if self.closed:  # closed while this step waited for a thread
                return None
            self._stepping = True
        finished = True
        try:
            chunk = self.make_bytes(next(iterator))
            finished = False
            return chunk
        except StopIteration:
            return None
        finally:
            self._end_step(lock, finished)

    def _end_step(self, lock: threading.Lock, finished: bool) -> None:
        closers: tuple[Callable[[], object], ...] = ()
        with lock:
            self._stepping = False
            if finished or self._close_requested:
                self.closed = True
                closers, self._resource_closers = self._resource_closers, ()
        # In this worker thread: a generator's cleanup never runs on the event loop.
        _run_closers(closers)

    def close(self) -> None:
        lock = self._lock
        if lock is None:
            super().close()
            return
        with lock:
            if self._stepping:
                # A worker thread is inside next(): closing the generator now would fail
                # ("already executing"), so that thread closes it when next() returns.
                self._close_requested = True
                return
            self.closed = True
            closers, self._resource_closers = self._resource_closers, ()
        _run_closers(closers)

    async def aclose(self) -> None:
        """Stop the stream: close the chunk generator, the async source, then the rest."""
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            with suppress(RuntimeError):  # still running in another task: it ends itself
                await chunks.aclose()
        iterator = self._async_iterator
        if iterator is not None:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                with suppress(Exception):
                    await aclose()
        self.close()


class _FileChunks:
    """Read a file in blocks until it gives an empty one (b"" or "")."""

    __slots__ = ("_read", "_size")

    def __init__(self, read: Callable[[int], bytes | str], size: int) -> None:
        self._read, self._size = read, size

    def __iter__(self) -> _FileChunks:
        return self

    def __next__(self) -> bytes | str:
        block = self._read(self._size)
        if not block:
            raise StopIteration
        return block


# Compressed files are sent as what they are, so browsers don't silently unpack them.
_ENCODED_CONTENT_TYPES = {
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip",
    "compress": "application/x-compress",
    "gzip": "application/gzip",
    "xz": "application/x-xz",
}
_QUOTABLE_FILENAME = re.compile(r"[\t \x21-\x7e]*")


def content_disposition_header(as_attachment: bool, filename: str) -> str | None:
    """Return Content-Disposition for a download, RFC 6266 `filename*` if non-ASCII."""
    kind = "attachment" if as_attachment else "inline"
    if not filename:
        return kind if as_attachment else None
    if _QUOTABLE_FILENAME.fullmatch(filename):
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        return f'{kind}; filename="{escaped}"'
    return f"{kind}; filename*=utf-8''{quote(filename)}"


def _guess_content_type(filename: str) -> str:
    if not filename:
        return "application/octet-stream"
    guessed, encoding = mimetypes.guess_type(filename)
    if encoding is not None:
        guessed = _ENCODED_CONTENT_TYPES.get(encoding, guessed)
    return guessed or "application/octet-stream"


def _remaining_size(filelike: IO[Any]) -> int | None:
    """Bytes left to read from the current position, when that can be known cheaply."""
    seekable = getattr(filelike, "seekable", None)
    if hasattr(filelike, "seek") and hasattr(filelike, "tell") and (not seekable or seekable()):
        start = filelike.tell()
        end = filelike.seek(0, io.SEEK_END)
        filelike.seek(start)
        return int(end) - int(start)
    getbuffer = getattr(filelike, "getbuffer", None)
    if getbuffer is not None:
        return int(getbuffer().nbytes) - int(filelike.tell())
    name = getattr(filelike, "name", None)
    if isinstance(name, str) and hasattr(filelike, "tell") and os.path.isfile(name):
        return os.path.getsize(name) - int(filelike.tell())
    return None


def _names_content_type(headers: HeaderSource | None) -> bool:
    if not headers:
        return False
    names = headers.keys() if isinstance(headers, Mapping) else (name for name, _ in headers)
    return any(str(name).lower() == "content-type" for name in names)


class FileResponse(StreamingHttpResponse):
    """Stream a file (an open binary file or a path) in 64 KiB blocks.

    Content-Length, Content-Type and Content-Disposition come from the file, as in
    Django. The file is closed when the response is closed or the last block is sent.
    """

    block_size = 64 * 1024

    def __init__(
        self,
        open_file: IO[Any] | str | os.PathLike[str] | StreamSource = (),
        as_attachment: bool = False,
        filename: str = "",
        **options: Unpack[_ResponseOptions],
    ) -> None:
        self.as_attachment = as_attachment
        self.filename = filename
        self.file_to_stream: IO[Any] | None = None
        self._explicit_content_type = options.get(
            "content_type"
        ) is not None or _names_content_type(options.get("headers"))
        opened = None
        if isinstance(open_file, str | os.PathLike):
            # The response owns this file and closes it: no `with` block can.
            open_file = opened = open(os.fspath(open_file), "rb")  # noqa: SIM115
        try:
            super().__init__(open_file, **options)
        except BaseException:
            if opened is not None:
                opened.close()
            raise

    def _set_streaming_content(self, value: Any) -> None:
        read = getattr(value, "read", None)
        if read is None:
            self.file_to_stream = None
            super()._set_streaming_content(value)
            return
        self.file_to_stream = value
        super()._set_streaming_content(_FileChunks(read, self.block_size))
        close = getattr(value, "close", None)
        if close is not None:
            self._add_closer(close)
        self.set_headers(value)

    def set_headers(self, filelike: IO[Any]) -> None:
        """Set Content-Length, Content-Type and Content-Disposition from the file."""
        size = _remaining_size(filelike)
        if size is not None:
            self.headers["Content-Length"] = size
        name = getattr(filelike, "name", "")
        filename = os.path.basename(self.filename or (name if isinstance(name, str) else ""))
        if not self._explicit_content_type:
            self.headers["Content-Type"] = _guess_content_type(filename)
        disposition = content_disposition_header(self.as_attachment, filename)
        if disposition is not None:
            self.headers["Content-Disposition"] = disposition

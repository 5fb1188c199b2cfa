"""Build the responses a view returns, as values that the ASGI and WSGI adapters send.

This module holds the responses whose body is in memory (`HttpResponse`, `JsonResponse`,
redirects, one class per common status) and is where every response name is imported
from, as in Django. The rest lives one concept to a module:

- http/response_base.py: `HttpResponseBase`, what every response has (status, headers,
  cookies, charset, closing, the adapters' header lists).
- http/response_headers.py: `ResponseHeaders` (checked when set, built when used),
  `DefaultHeaders`, `BadHeaderError`.
- http/cookies.py: Set-Cookie, built and checked when a cookie is set.
- http/streaming.py: `StreamingHttpResponse`. http/files.py: `FileResponse`.

Invariants:
- `HttpResponse` holds its body in memory and keeps Content-Length in step with it.
- A body given as bytes, or as text for one of the content types the framework sets
  (all UTF-8), with no other option, gets `ResponseHeaders.for_body` headers: nothing
  is checked, encoded or put in a map unless a view or middleware sets a header (other
  than Content-Length) or lists them.
- Names and semantics are Django's (django.http.response); what is added is the
  adapters' side: `asgi_headers`, `wsgi_headers`, `aiter_chunks`, `iter_chunks`, `aclose`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from json import JSONEncoder
from typing import Any, Unpack
from urllib.parse import quote, urlsplit

from legato.exceptions import DisallowedRedirect
from legato.http import _json
from legato.http.files import FileResponse
from legato.http.files import content_disposition_header as content_disposition_header
from legato.http.response_base import HttpResponseBase, ResponseOptions
from legato.http.response_headers import (
    FRAMED_CONTENT_TYPES,
    BadHeaderError,
    DefaultHeaders,
    ResponseHeaders,
)
from legato.http.response_headers import HeaderSource as HeaderSource
from legato.http.streaming import RunSync, StreamingHttpResponse
from legato.http.streaming import StreamSource as StreamSource

__all__ = [
    "MAX_URL_REDIRECT_LENGTH",
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

_BYTES_LIKE = (bytes, bytearray, memoryview)

# Django's limit (django.utils.http): a longer target is refused, so that a URL taken
# from a request can't make a redirect that clients and proxies choke on.
MAX_URL_REDIRECT_LENGTH = 16_384


# Bound once: the fast path below runs for most responses.
_headers_for_body = ResponseHeaders.for_body


class Http404(Exception):
    """The thing asked for does not exist: answered with 404."""


class _ContentOptions(ResponseOptions, total=False):
    content: object


def _utf8_body(content: object, content_type: str | None) -> bytes | None:
    """Text for a content type the framework sets (all UTF-8) as bytes, else None."""
    if type(content) is str and (content_type is None or content_type in FRAMED_CONTENT_TYPES):
        return content.encode()
    return None


class HttpResponse(HttpResponseBase):
    """A response whose body is in memory: str (encoded), bytes, or an iterable of them."""

    streaming = False
    _container: list[bytes]
    # The body's length once counted: the fast path leaves it to tell() to count.
    _length: int | None = None

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
            status is None
            and reason is None
            and charset is None
            and headers is None
            and self.status_code == 200
        ):
            body = content if type(content) is bytes else _utf8_body(content, content_type)
            if body is not None:  # what most views return: a body and its type, no more
                self._init_body(body, content_type)
                return
        super().__init__(content_type, status, reason, charset, headers)
        self._set_content(content)

    def _init_body(self, body: bytes, content_type: str | None) -> None:
        """Hold `body` with `ResponseHeaders.for_body` headers, as a plain 200 does.

        What `__init__` does when given a body and at most a content type: the fast
        constructor path for subclasses that make the body themselves (JsonResponse).
        """
        self._container = [body]
        self.headers = _headers_for_body(content_type, len(body))

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
        if status >= 200 and status != 204 and status != 304:  # RFC 9110: none for these
            self.headers["Content-Length"] = length

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._container)

    def serialize(self) -> bytes:
        """The headers, a blank line and the body, as Django's (no status line, no cookies)."""
        return self.serialize_headers() + b"\r\n\r\n" + self.content

    __bytes__ = serialize

    def write(self, content: object) -> None:
        chunk = self.make_bytes(content)
        length = self.tell() + len(chunk)
        self._container.append(chunk)
        self._set_length(length)

    def writelines(self, lines: Iterable[object]) -> None:
        for line in lines:
            self.write(line)

    def tell(self) -> int:
        if self._length is None:
            self._length = sum(map(len, self._container))
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
        **options: Unpack[ResponseOptions],
    ) -> None:
        if safe and not isinstance(data, dict):
            raise TypeError(
                "In order to allow non-dict objects to be serialized set the "
                "safe parameter to False."
            )
        body = _json.dumps_for_response(data, encoder, json_dumps_params)
        if not options and self.status_code == 200:
            self._init_body(body, "application/json")
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
        # IRI to URI as Django: percent-encodes CR, LF and everything else not allowed.
        # Set before the checks, as Django does, so that the repr of a refused redirect
        # (a debug page shows the constructor's locals) names the URL it refused.
        self["Location"] = quote(url, safe="/#%[]=:;$&()+,!?*@'~")
        if preserve_request:
            self.status_code = self.status_code_preserve_request
        self._check_target(url)

    def _check_target(self, url: str) -> None:
        if len(url) > MAX_URL_REDIRECT_LENGTH:
            raise DisallowedRedirect(
                f"Unsafe redirect exceeding {MAX_URL_REDIRECT_LENGTH} characters "
                f"({len(url)}): redirect to a shorter URL."
            )
        try:
            scheme = urlsplit(url).scheme
        except ValueError as exc:
            raise DisallowedRedirect(f"Can't redirect to {url!r}: {exc}.") from exc
        if scheme and scheme not in self.allowed_schemes:
            raise DisallowedRedirect(
                f"Unsafe redirect to URL with protocol {scheme!r}: redirect to a relative "
                f"URL or one with a scheme in {self.allowed_schemes}."
            )

    @property
    def url(self) -> str:
        return self["Location"]

    def __repr__(self) -> str:
        # No KeyError when Location could not be set (a URL that can't be encoded).
        url = self.get("Location")
        shown = "" if url is None else f', url="{url}"'
        return f"{super().__repr__()[:-1]}{shown}>"


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
            f"<{type(self).__name__} [{self['Allow']}] status_code={self.status_code}"
            f"{self._content_type_for_repr}>"
        )


class HttpResponseGone(HttpResponse):
    status_code = 410


class HttpResponseServerError(HttpResponse):
    status_code = 500

"""Compress responses for clients that take it: gzip, or Brotli when the client rates it
at least as high and the `brotli` package is installed.

Django's `GZipMiddleware`, with its rules: bodies shorter than `min_length` (200 bytes)
stay as they are, as do responses that already have a `Content-Encoding`, and a whole
body is sent compressed only if that makes it shorter. Content-Length follows the new
body; a strong ETag becomes weak (the bytes changed, the resource did not: RFC 9110
8.8.1); `Vary: Accept-Encoding` tells caches the answer depends on that header. Legato
also leaves alone a response to a `Range` request (206), one marked
`Cache-Control: no-transform`, and content types that are compressed already (images,
audio, video, archives, fonts in WOFF).

A stream is compressed chunk by chunk, each one flushed, so that a Server-Sent Event
still reaches the browser when it is sent. The work is CPU only, done on the event loop
with no thread hop: about as long as copying the body a few times (docs/middleware.md
has the figures). gzip bodies carry BREACH padding (`legato.http.compression`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.http.accept_encoding import preferred_coding
from legato.http.compression import brotli_available, compress_body, padding, stream_encoder
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse
from legato.http.response_base import HttpResponseBase
from legato.http.streaming import StreamingHttpResponse
from legato.middleware._vary import add_vary
from legato.middleware.base import Middleware

__all__ = ["INCOMPRESSIBLE_TYPES", "GZipMiddleware"]

# Content types whose bodies are compressed already: a second pass only costs CPU.
# Prefixes; `image/svg+xml` is text and is kept compressible below.
INCOMPRESSIBLE_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/woff",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/zstd",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/pdf",
    "application/wasm",
)
_COMPRESSIBLE_IMAGES = ("image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp")


class GZipMiddleware(Middleware):
    """Compress response bodies with gzip or Brotli, as the client's Accept-Encoding says."""

    nonblocking = True  # compression only computes; it runs on the loop, no thread hop

    def __init__(
        self,
        get_response: Callable[..., Any],
        *,
        min_length: int = 200,
        gzip_level: int = 6,
        brotli: bool = True,
        brotli_quality: int = 4,
        max_random_bytes: int = 100,
        incompressible_types: Sequence[str] = INCOMPRESSIBLE_TYPES,
    ) -> None:
        super().__init__(get_response)
        _check_range("gzip_level", gzip_level, 1, 9)
        _check_range("brotli_quality", brotli_quality, 0, 11)
        _check_range("min_length", min_length, 0, None)
        _check_range("max_random_bytes", max_random_bytes, 0, None)
        self.min_length = min_length
        self.levels = {"gzip": gzip_level, "br": brotli_quality}
        # The server's order of preference: Brotli compresses text better at equal speed.
        offered = ("br", "gzip") if brotli and brotli_available() else ("gzip",)
        self.offered = offered
        # Browsers send a handful of distinct headers: each is parsed once. Bounded, so a
        # client that varies its header only churns the cache.
        self.choose = functools.lru_cache(maxsize=256)(partial(preferred_coding, offered=offered))
        self.max_random_bytes = max_random_bytes
        self.incompressible_types = tuple(t.lower() for t in incompressible_types)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not self._may_compress(response):
            return response
        add_vary(response, "Accept-Encoding")
        coding = self.choose(request.headers.get("Accept-Encoding", ""))
        if coding is None:
            return response
        if isinstance(response, StreamingHttpResponse):
            self._compress_stream(response, coding)
        elif not isinstance(response, HttpResponse) or not self._compress_body(response, coding):
            return response
        etag = response.headers.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = f"W/{etag}"
        response.headers["Content-Encoding"] = coding
        return response

    def _may_compress(self, response: HttpResponseBase) -> bool:
        """Whether the response is one to compress, whatever the client takes."""
        if isinstance(response, HttpResponse):
            if len(response.content) < self.min_length:
                return False
        elif not isinstance(response, StreamingHttpResponse):
            return False
        headers = response.headers
        if "Content-Encoding" in headers or response.status_code == 206:
            return False
        if "no-transform" in headers.get("Cache-Control", "").lower():
            return False
        return self._compressible_type(headers.get("Content-Type", ""))

    def _compressible_type(self, content_type: str) -> bool:
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type.startswith(_COMPRESSIBLE_IMAGES):
            return True
        return not media_type.startswith(self.incompressible_types)

    def _compress_body(self, response: HttpResponse, coding: str) -> bool:
        """Compress the body in place if that makes it shorter; say whether it did."""
        body = response.content
        pad = padding(self.max_random_bytes) if coding == "gzip" else b""
        compressed = compress_body(body, coding, self.levels[coding], pad)
        if len(compressed) >= len(body):
            return False
        response.content = compressed  # Content-Length follows
        return True

    def _compress_stream(self, response: StreamingHttpResponse, coding: str) -> None:
        pad = padding(self.max_random_bytes) if coding == "gzip" else b""
        response.encode_chunks(stream_encoder(coding, self.levels[coding], pad))
        # The compressed length is known only at the end.
        if "Content-Length" in response.headers:
            del response.headers["Content-Length"]


def _check_range(name: str, value: int, low: int, high: int | None) -> None:
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ImproperlyConfigured(f"GZipMiddleware: {name} must be {limit}, not {value!r}.")

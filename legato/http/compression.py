"""Compress a response body with gzip (the standard library) or Brotli (the `brotli` package).

Two shapes, for the two kinds of response: `compress_body` for a body held whole, and a
`ChunkEncoder` (`GzipStream`, `BrotliStream`) for a stream, which compresses each chunk
and flushes it, so that what the producer sent as one chunk (one Server-Sent Event, say)
can be decompressed as soon as it arrives; `finish()` gives the last bytes.

BREACH padding: a gzip body can carry a file name in its header, which decompression
ignores; `padding(n)` makes a random-length one (0 to n - 1 bytes), so the length of
two responses no longer tells an attacker how well a guess compressed (Django does the
same since 4.2). Brotli has no such field: its bodies are not padded.
"""

from __future__ import annotations

import gzip
import io
import secrets
import zlib
from typing import Any

from legato.http.streaming import ChunkEncoder

__all__ = [
    "BrotliStream",
    "GzipStream",
    "brotli_available",
    "compress_body",
    "padding",
    "stream_encoder",
]

try:
    import brotli as _brotli
except ImportError:  # an optional dependency: without it, gzip only
    _brotli_module: Any = None
else:
    _brotli_module = _brotli

_FNAME = 0x08  # the gzip header flag that says a zero-terminated name follows the header
_HEADER_LENGTH = 10


def brotli_available() -> bool:
    """Whether the `brotli` package is installed."""
    return _brotli_module is not None


def padding(max_random_bytes: int) -> bytes:
    """A file name of random length below `max_random_bytes`, for a gzip header."""
    return b"a" * secrets.randbelow(max_random_bytes) if max_random_bytes > 0 else b""


def compress_body(body: bytes, coding: str, level: int, pad: bytes = b"") -> bytes:
    """`body` compressed whole as `coding` ("gzip" or "br")."""
    if coding == "br":
        return bytes(_brotli_module.compress(body, quality=level))
    compressed = gzip.compress(body, compresslevel=level, mtime=0)
    if not pad:
        return compressed
    # gzip.compress writes a 10-byte header with no flags: set FNAME, put the name after.
    flags = bytes((compressed[3] | _FNAME,))
    return b"".join(
        (compressed[:3], flags, compressed[4:_HEADER_LENGTH], pad, b"\0", compressed[10:])
    )


class GzipStream:
    """A gzip stream, each chunk flushed (`Z_SYNC_FLUSH`) as it is encoded."""

    def __init__(self, level: int, pad: bytes = b"") -> None:
        self._buffer = io.BytesIO()
        self._file = gzip.GzipFile(
            filename=pad, mode="wb", compresslevel=level, fileobj=self._buffer, mtime=0
        )

    def encode(self, chunk: bytes) -> bytes:
        if not chunk:
            return b""  # a flush of nothing would still cost bytes
        self._file.write(chunk)
        self._file.flush(zlib.Z_SYNC_FLUSH)
        return self._take()

    def finish(self) -> bytes:
        self._file.close()
        return self._take()

    def _take(self) -> bytes:
        data = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return data


class BrotliStream:
    """A Brotli stream, each chunk flushed as it is encoded."""

    def __init__(self, quality: int) -> None:
        self._compressor = _brotli_module.Compressor(quality=quality)

    def encode(self, chunk: bytes) -> bytes:
        if not chunk:
            return b""
        compressor = self._compressor
        return bytes(compressor.process(chunk) + compressor.flush())

    def finish(self) -> bytes:
        return bytes(self._compressor.finish())


def stream_encoder(coding: str, level: int, pad: bytes = b"") -> ChunkEncoder:
    """A fresh encoder for one streamed body."""
    return BrotliStream(level) if coding == "br" else GzipStream(level, pad)

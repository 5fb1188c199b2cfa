"""Read a request body chunk by chunk, within limits, without doing any I/O.

`BodyReader` is sans-io: the ASGI handler (and later the WSGI adapter) feeds it each
chunk and calls `finish()`; it never awaits. Limits are enforced as early as possible:
a declared Content-Length over the limit fails at construction, and a body that grows
past it fails in the `feed()` that crosses it, before that chunk is kept.

- Non-multipart bodies are buffered whole, up to `data_upload_max_memory_size`; the
  request parses urlencoded forms and JSON from them lazily.
- `multipart/form-data` is parsed while it streams (`multipart.MultipartReader`): every
  part against `data_upload_max_number_parts`, fields and part headers against
  `data_upload_max_memory_size` and the field count, files spooled to disk past
  `file_upload_max_memory_size` and against `max_upload_size` and the file count. The
  whole multipart body, framing included, may not exceed
  `max_upload_size + data_upload_max_memory_size`.

Whoever holds the temp files closes them: the reader until `finish()`, then the
`RequestBody` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from legato.exceptions import RequestDataTooBig
from legato.http.headers import parse_header_parameters
from legato.http.multipart import MultipartReader, UploadedFile
from legato.http.querydict import MultiValueDict, QueryDict

__all__ = ["DEFAULT_LIMITS", "BodyReader", "RequestBody", "RequestLimits"]


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """Byte, count and time limits for request bodies; None means "no limit", as in Django.

    The time limits (a body must arrive within `request_body_timeout` seconds plus one
    second per `request_body_min_rate` bytes) are enforced by the ASGI handler; under
    WSGI the server's own timeouts apply.
    """

    data_upload_max_memory_size: int | None = 2_621_440
    max_upload_size: int | None = 104_857_600
    data_upload_max_number_fields: int | None = 1000
    file_upload_max_memory_size: int = 2_621_440
    file_upload_temp_dir: str | None = None
    data_upload_max_number_files: int | None = 100
    data_upload_max_number_parts: int | None = 5_000
    request_body_timeout: float | None = 20.0
    request_body_min_rate: float | None = 500.0


DEFAULT_LIMITS = RequestLimits()


class RequestBody:
    """A request body read in full: raw bytes, or the form and files parsed from multipart."""

    __slots__ = ("body", "files", "post")

    def __init__(
        self,
        body: bytes | None = b"",
        post: QueryDict | None = None,
        files: MultiValueDict[UploadedFile] | None = None,
    ) -> None:
        self.body = body
        self.post = post
        self.files = files

    def __repr__(self) -> str:
        if self.body is not None:
            return f"<{type(self).__name__}: {len(self.body)} bytes>"
        return f"<{type(self).__name__}: multipart, {len(self.files or ())} file fields>"

    def close(self) -> None:
        """Close the uploaded files (a spooled file on disk is deleted when closed)."""
        if self.files:
            for _, uploads in self.files.lists():
                for upload in uploads:
                    upload.close()


class BodyReader:
    """Accumulate one request body from its chunks; `finish()` returns the `RequestBody`."""

    __slots__ = ("_chunks", "_limit", "_limit_name", "_multipart", "_size")

    def __init__(
        self, content_type_header: bytes | None, content_length: int | None, limits: RequestLimits
    ) -> None:
        content_type, params = parse_header_parameters(
            content_type_header.decode("latin-1") if content_type_header else ""
        )
        multipart = content_type == "multipart/form-data"
        if multipart:
            self._limit = _multipart_limit(limits)
            self._limit_name = "max_upload_size + data_upload_max_memory_size"
        else:
            self._limit = limits.data_upload_max_memory_size
            self._limit_name = "data_upload_max_memory_size"
        if content_length is not None:
            self._check_size(content_length)
        self._multipart = MultipartReader(params.get("boundary"), limits) if multipart else None
        self._chunks: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next body chunk; raise as soon as the body breaks a limit or the syntax."""
        if not chunk:
            return
        self._size += len(chunk)
        try:
            self._check_size(self._size)
            if self._multipart is None:
                self._chunks.append(chunk)
            else:
                self._multipart.feed(chunk)
        except BaseException:
            self.close()
            raise

    def finish(self) -> RequestBody:
        """Return the body after the last chunk; the RequestBody now owns any uploaded files."""
        if self._multipart is None:
            return RequestBody(b"".join(self._chunks))
        try:
            post, files = self._multipart.finish()
        except BaseException:
            self.close()
            raise
        return RequestBody(None, post, files)

    def close(self) -> None:
        """Release the temp files of an unfinished body (error, disconnect); idempotent."""
        self._chunks.clear()
        if self._multipart is not None:
            self._multipart.close()

    def _check_size(self, size: int) -> None:
        limit = self._limit
        if limit is not None and size > limit:
            raise RequestDataTooBig(
                f"The request body is larger than {self._limit_name} ({limit} bytes); "
                "send a smaller body or raise the limit."
            )


def _multipart_limit(limits: RequestLimits) -> int | None:
    files, fields = limits.max_upload_size, limits.data_upload_max_memory_size
    return None if files is None or fields is None else files + fields

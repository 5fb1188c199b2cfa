"""Parse multipart/form-data while it streams in, and hold the files it uploads.

`MultipartReader` connects python-multipart's callback parser to Legato's limits; it is
sans-io and only ever sees the chunks `body.BodyReader` feeds it. Every part, kept or
not, is counted by `_form_budget.FormBudget` as soon as the parser reaches it, so a body
of many small parts is refused after the limit's worth of them. Per part:

- a field (no `filename`) is counted against `data_upload_max_number_fields`, its name
  and value bytes against `data_upload_max_memory_size`, and decoded with the part's
  charset (UTF-8 by default, or if Python does not know it; a codec that cannot decode
  text answers 400; undecodable bytes become U+FFFD);
- a file is counted against `data_upload_max_number_files`, its bytes against
  `max_upload_size`, and written to a `SpooledTemporaryFile` that moves to disk past
  `file_upload_max_memory_size`. That threshold also caps the bytes all the files of
  one request keep in memory together, so many small files cannot add up in RAM;
- a part without a form-data name, or a file input sent empty (`filename=""`), is
  counted and then skipped, as Django does;
- its headers are bounded in number and size, their bytes count against
  `data_upload_max_memory_size`, and a header with more than `MAX_HEADER_PARAMETERS`
  parameters is refused before it is parsed (each parameter costs the parser far more
  than a byte of data).

Syntax errors and truncated bodies raise `MultiPartParserError` (a `BadRequest`).
`UploadedFile` is Django's uploaded-file API; its name is sanitised to a bare file name
on the way in.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState

from legato.exceptions import MultiPartParserError
from legato.http._form_budget import FormBudget
from legato.http.charsets import charset_for_decoding
from legato.http.headers import parse_header_parameters
from legato.http.querydict import MultiValueDict, QueryDict

if TYPE_CHECKING:
    from types import TracebackType

    from legato.http.body import RequestLimits

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MultiPartParserError",
    "MultipartReader",
    "UploadedFile",
    "sanitize_file_name",
]

DEFAULT_CHUNK_SIZE = 64 * 2**10

# Content-Disposition needs three (form-data; name; filename), four with filename*.
MAX_HEADER_PARAMETERS = 16

# Django's rule: printable ASCII, at most 200 characters, not ending in a space.
_BOUNDARY = re.compile(r"[ -~]{0,199}[!-~]")


def sanitize_file_name(name: str) -> str:
    """Return the bare file name a client sent, or "" if nothing usable is left.

    Path components (either slash) and non-printable characters are removed, HTML
    entities some browsers send are decoded, and the name is cut to 255 characters
    keeping its extension.
    """
    name = html.unescape(name).rpartition("/")[2].rpartition("\\")[2]
    name = "".join(char for char in name if char.isprintable())
    if name in (".", ".."):
        return ""
    if len(name) > 255:
        root, extension = os.path.splitext(name)
        extension = extension[:255]
        name = root[: 255 - len(extension)] + extension
    return name


class UploadedFile:
    """A file uploaded in a multipart form, with Django's `UploadedFile` API."""

    DEFAULT_CHUNK_SIZE = DEFAULT_CHUNK_SIZE

    def __init__(
        self,
        file: IO[bytes] | None = None,
        name: str | None = None,
        content_type: str | None = None,
        size: int | None = None,
        charset: str | None = None,
        content_type_extra: dict[str, str] | None = None,
        field_name: str | None = None,
    ) -> None:
        self.file = file
        self.name = sanitize_file_name(name) if name else name
        self.content_type = content_type
        self._size = size
        self.charset = charset
        self.content_type_extra = content_type_extra or {}
        self.field_name = field_name

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name} ({self.content_type})>"

    def __str__(self) -> str:
        return self.name or ""

    def __bool__(self) -> bool:
        return bool(self.name)

    def __len__(self) -> int:
        return self.size

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = self._measure()
        return self._size

    def _measure(self) -> int:
        file = self._file()
        position = file.tell()
        size = file.seek(0, os.SEEK_END)
        file.seek(position)
        return size

    def _file(self) -> IO[bytes]:
        if self.file is None:
            raise ValueError(f"{self!r} has no file to read; pass one when creating it.")
        return self.file

    @property
    def closed(self) -> bool:
        return self.file is None or self.file.closed

    def read(self, size: int = -1) -> bytes:
        return self._file().read(size)

    def readline(self, size: int = -1) -> bytes:
        return self._file().readline(size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return self._file().readlines(hint)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def readable(self) -> bool:
        return not self.closed and self._file().readable()

    def seekable(self) -> bool:
        return not self.closed and self._file().seekable()

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Yield the whole file, from the start, in chunks of `chunk_size` bytes (64 KiB)."""
        chunk_size = chunk_size or self.DEFAULT_CHUNK_SIZE
        file = self._file()
        if file.seekable():
            file.seek(0)
        while chunk := file.read(chunk_size):
            yield chunk

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        """Say whether `chunks(chunk_size)` would yield more than one chunk."""
        return self.size > (chunk_size or self.DEFAULT_CHUNK_SIZE)

    def __iter__(self) -> Iterator[bytes]:
        # Lines may straddle chunks, and a "\r\n" may be split between two of them.
        pending = bytearray()
        for chunk in self.chunks():
            for line in chunk.splitlines(keepends=True):
                if pending.endswith(b"\r"):
                    if line == b"\n":
                        yield bytes(pending + line)
                        pending.clear()
                        continue
                    yield bytes(pending)
                    pending.clear()
                pending += line
                if pending.endswith(b"\n"):
                    yield bytes(pending)
                    pending.clear()
        if pending:
            yield bytes(pending)

    def open(self, mode: str | None = None) -> UploadedFile:
        """Rewind the file for another read; an uploaded file cannot be reopened once closed."""
        if self.closed:
            raise ValueError(f"{self!r} is closed and cannot be reopened.")
        self._file().seek(0)
        return self

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> UploadedFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _FieldPart:
    __slots__ = ("charset", "data", "name")

    def __init__(self, name: str, charset: str | None) -> None:
        self.name = name
        self.charset = charset
        self.data = bytearray()


class _FilePart:
    __slots__ = ("content_type", "file", "file_name", "in_memory", "name", "params", "size")

    def __init__(
        self,
        name: str,
        file_name: str,
        content_type: str,
        params: dict[str, str],
        file: tempfile.SpooledTemporaryFile[bytes],
    ) -> None:
        self.name = name
        self.file_name = file_name
        self.content_type = content_type
        self.params = params
        self.file = file
        self.size = 0
        self.in_memory = True

    def to_upload(self) -> UploadedFile:
        self.file.seek(0)
        return UploadedFile(
            file=self.file,
            name=self.file_name,
            content_type=self.content_type,
            size=self.size,
            charset=self.params.get("charset"),
            content_type_extra=self.params,
            field_name=self.name,
        )


class MultipartReader:
    """Turn the chunks of one multipart/form-data body into POST and FILES."""

    def __init__(self, boundary: str | None, limits: RequestLimits) -> None:
        self._parser = MultipartParser(
            _checked_boundary(boundary).encode("latin-1"),
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_begin": self._on_header_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )
        self._limits = limits
        self._budget = FormBudget(limits)
        self._post = QueryDict(mutable=True)
        self._files: MultiValueDict[UploadedFile] = MultiValueDict()
        self._open_files: list[tempfile.SpooledTemporaryFile[bytes]] = []
        self._part: _FieldPart | _FilePart | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._started = False
        self._memory_bytes = 0

    def feed(self, chunk: bytes) -> None:
        self._started = True
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise MultiPartParserError(f"Malformed multipart body: {exc}.") from None

    def finish(self) -> tuple[QueryDict, MultiValueDict[UploadedFile]]:
        """Return POST and FILES; from here on the caller owns (and closes) the files."""
        # An empty body is an empty form, as in Django; anything else must be complete.
        if self._started and self._parser.state != MultipartState.END:
            raise MultiPartParserError(
                "Malformed multipart body: it ends before the closing boundary; "
                "the upload was cut short or its boundary does not match the Content-Type."
            )
        self._open_files = []
        # Built mutable while parsing, handed out read-only, like Django's request.POST.
        self._post._mutable = False
        return self._post, self._files

    def close(self) -> None:
        """Close every temp file of an unfinished body; idempotent."""
        for file in self._open_files:
            file.close()
        self._open_files = []
        self._part = None

    def _on_part_begin(self) -> None:
        self._budget.begin_part()
        self._headers = {}
        self._part = None

    def _on_header_begin(self) -> None:
        self._budget.begin_header()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._budget.header_bytes(end - start)
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._budget.header_bytes(end - start)
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        self._part = self._start_part()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if isinstance(part, _FieldPart):
            self._budget.form_bytes(end - start)
            part.data += memoryview(data)[start:end]
        elif part is not None:
            self._write_file(part, memoryview(data)[start:end])

    def _on_part_end(self) -> None:
        part, self._part = self._part, None
        if isinstance(part, _FieldPart):
            self._post.appendlist(part.name, _decode(part.data, part.charset))
        elif part is not None:
            self._files.appendlist(part.name, part.to_upload())

    def _start_part(self) -> _FieldPart | _FilePart | None:
        disposition, params = self._header_parameters(b"content-disposition")
        # Counted before anything can skip the part: skipped parts cost the parser too.
        if "filename" in params:
            self._budget.file()
        else:
            self._budget.field()
        if disposition != "form-data" or "name" not in params:
            return None
        name = _from_latin1(params["name"]).strip()
        content_type, type_params = self._header_parameters(b"content-type")
        if "filename" not in params:
            self._budget.form_bytes(len(name))
            return _FieldPart(name, type_params.get("charset"))
        file_name = sanitize_file_name(_from_latin1(params["filename"]))
        if not file_name:
            return None
        return self._start_file(name, file_name, content_type, type_params)

    def _header_parameters(self, name: bytes) -> tuple[str, dict[str, str]]:
        value = self._headers.get(name, b"")
        if value.count(b";") > MAX_HEADER_PARAMETERS:
            raise MultiPartParserError(
                f"Malformed multipart body: a part's {name.decode()} header has more than "
                f"{MAX_HEADER_PARAMETERS} parameters; send the name and filename only."
            )
        return parse_header_parameters(value.decode("latin-1"))

    def _start_file(
        self, name: str, file_name: str, content_type: str, params: dict[str, str]
    ) -> _FilePart:
        # Not a `with`: the file outlives this call; close() or the RequestBody closes it.
        file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=self._limits.file_upload_max_memory_size,
            dir=self._limits.file_upload_temp_dir,
        )
        self._open_files.append(file)
        part = _FilePart(name, file_name, content_type, params, file)
        if self._limits.file_upload_max_memory_size <= 0:
            # SpooledTemporaryFile reads max_size=0 as "never roll over"; Django reads it
            # as "always on disk".
            file.rollover()
            part.in_memory = False
        return part

    def _write_file(self, part: _FilePart, data: memoryview) -> None:
        size = len(data)
        self._budget.file_bytes(size)
        part.file.write(data)
        part.size += size
        if part.in_memory:
            self._keep_in_memory_budget(part, size)

    def _keep_in_memory_budget(self, part: _FilePart, written: int) -> None:
        threshold = self._limits.file_upload_max_memory_size
        if part.size > threshold:
            # SpooledTemporaryFile has just moved this file to disk by itself.
            part.in_memory = False
            self._memory_bytes -= part.size - written
            return
        self._memory_bytes += written
        if self._memory_bytes > threshold:
            part.file.rollover()
            part.in_memory = False
            self._memory_bytes -= part.size


def _checked_boundary(boundary: str | None) -> str:
    if not boundary:
        raise MultiPartParserError(
            "Malformed multipart body: the Content-Type header has no boundary; send "
            '"multipart/form-data; boundary=..." as the form encoder does.'
        )
    if not _BOUNDARY.fullmatch(boundary):
        raise MultiPartParserError(
            f"Malformed multipart body: invalid boundary {boundary[:80]!r}; a boundary is 1 "
            "to 200 printable ASCII characters and does not end with a space."
        )
    return boundary


def _from_latin1(value: str) -> str:
    # Header values arrive decoded as latin-1; browsers send names in UTF-8.
    return value.encode("latin-1").decode("utf-8", "replace")


def _decode(data: bytearray, charset: str | None) -> str:
    # The request's own guard: a name Python does not know means UTF-8; a codec that
    # cannot decode text is refused (UnsupportedCharset, 400) rather than guessed.
    encoding = (charset_for_decoding(charset) if charset else None) or "utf-8"
    return data.decode(encoding, "replace")

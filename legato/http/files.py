"""Stream a file as a response: FileResponse, with the headers a download needs.

Content-Length, Content-Type and Content-Disposition come from the file, as in Django:
the length from what is left to read (when that can be known without reading), the type
from the file name (a compressed file is sent as what it is), the disposition from
`as_attachment` and `filename` (RFC 6266 `filename*` when not ASCII). The file is read
in `block_size` blocks off the event loop, and closed when the response is closed or
the last block is sent.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import Callable, Mapping
from typing import IO, Any, Unpack
from urllib.parse import quote

from legato.http.response_base import ResponseOptions
from legato.http.response_headers import HeaderSource
from legato.http.streaming import StreamingHttpResponse, StreamSource

__all__ = ["FileResponse", "content_disposition_header"]


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


def _remaining_size(filelike: IO[Any], block_size: int) -> int | None:
    """Bytes left to read from the current position, when that can be known cheaply."""
    says_seekable = getattr(filelike, "seekable", None)
    seekable = hasattr(filelike, "seek") and (not says_seekable or says_seekable())
    if not hasattr(filelike, "tell"):
        return _size_by_reading(filelike, block_size) if seekable else None
    if seekable:
        start = filelike.tell()
        filelike.seek(0, io.SEEK_END)  # what seek() returns is not used: some give None
        end = filelike.tell()
        filelike.seek(start)
        return int(end) - int(start)
    getbuffer = getattr(filelike, "getbuffer", None)
    if getbuffer is not None:
        return int(getbuffer().nbytes) - int(filelike.tell())
    name = getattr(filelike, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        return os.path.getsize(name) - int(filelike.tell())
    return None


def _size_by_reading(filelike: IO[Any], block_size: int) -> int:
    """Read to the end counting, then seek back: for a file that can seek but not tell.

    As Django does: seek(0, SEEK_END) could give the end, but without tell() nothing
    gives the start, so the only way to the remaining size is to read it.
    """
    size = 0
    while block := filelike.read(block_size):
        size += len(block)
    filelike.seek(-size, io.SEEK_END)
    return size


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
        **options: Unpack[ResponseOptions],
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
        size = _remaining_size(filelike, self.block_size)
        if size is not None:
            self.headers["Content-Length"] = size
        name = getattr(filelike, "name", "")
        filename = os.path.basename(self.filename or (name if isinstance(name, str) else ""))
        if not self._explicit_content_type:
            self.headers["Content-Type"] = _guess_content_type(filename)
        disposition = content_disposition_header(self.as_attachment, filename)
        if disposition is not None:
            self.headers["Content-Disposition"] = disposition

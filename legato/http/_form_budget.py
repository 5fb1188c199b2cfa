"""Count what one multipart body uses of its limits, and refuse it at the first one it breaks.

Every part counts, whether or not it ends up in POST or FILES: against
`data_upload_max_number_parts` when its boundary is seen (before any of its bytes are
parsed), then, once its headers are read, as a file if it has a `filename` parameter
(even an empty one) and as a field otherwise (no name, another disposition, no headers
at all). Part headers are bounded per part (`MAX_PART_HEADERS`, `MAX_PART_HEADER_SIZE`)
and their bytes count, with field names and values, against
`data_upload_max_memory_size`: header bytes are the costliest a parser reads, so they
share the non-file budget rather than ride free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from legato.exceptions import (
    MultiPartParserError,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    TooManyPartsSent,
)

if TYPE_CHECKING:
    from legato.http.body import RequestLimits

__all__ = ["MAX_PART_HEADERS", "MAX_PART_HEADER_SIZE", "FormBudget"]

# A browser sends two headers per part (Content-Disposition, Content-Type); these leave
# room for any real client and bound what one part can make the parser hold or scan.
MAX_PART_HEADERS = 8
MAX_PART_HEADER_SIZE = 16_384


class FormBudget:
    """The counters of one multipart body, each checked against its limit as it grows."""

    __slots__ = (
        "_fields",
        "_file_bytes",
        "_files",
        "_form_bytes",
        "_header_bytes",
        "_headers",
        "_limits",
        "_parts",
    )

    def __init__(self, limits: RequestLimits) -> None:
        self._limits = limits
        self._parts = self._fields = self._files = 0
        self._form_bytes = self._file_bytes = 0
        self._headers = self._header_bytes = 0

    def begin_part(self) -> None:
        self._parts += 1
        limit = self._limits.data_upload_max_number_parts
        if limit is not None and self._parts > limit:
            raise TooManyPartsSent(
                f"The multipart body has more than {limit} parts "
                "(data_upload_max_number_parts); send fewer parts or raise the limit."
            )
        self._headers = self._header_bytes = 0

    def begin_header(self) -> None:
        self._headers += 1
        if self._headers > MAX_PART_HEADERS:
            raise MultiPartParserError(
                f"Malformed multipart body: a part has more than {MAX_PART_HEADERS} headers; "
                "send Content-Disposition and Content-Type only."
            )

    def header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_PART_HEADER_SIZE:
            raise MultiPartParserError(
                f"Malformed multipart body: the headers of a part are larger than "
                f"{MAX_PART_HEADER_SIZE} bytes; send shorter names and file names."
            )
        self.form_bytes(size)

    def field(self) -> None:
        self._fields += 1
        limit = self._limits.data_upload_max_number_fields
        if limit is not None and self._fields > limit:
            raise TooManyFieldsSent(
                f"The multipart form has more than {limit} fields "
                "(data_upload_max_number_fields); send fewer fields or raise the limit."
            )

    def file(self) -> None:
        self._files += 1
        limit = self._limits.data_upload_max_number_files
        if limit is not None and self._files > limit:
            raise TooManyFilesSent(
                f"The multipart form has more than {limit} files "
                "(data_upload_max_number_files); send fewer files or raise the limit."
            )

    def form_bytes(self, size: int) -> None:
        self._form_bytes += size
        limit = self._limits.data_upload_max_memory_size
        if limit is not None and self._form_bytes > limit:
            raise RequestDataTooBig(
                f"The form fields and part headers of the multipart body are larger than "
                f"data_upload_max_memory_size ({limit} bytes); send less form data or raise "
                "the limit."
            )

    def file_bytes(self, size: int) -> None:
        self._file_bytes += size
        limit = self._limits.max_upload_size
        if limit is not None and self._file_bytes > limit:
            raise RequestDataTooBig(
                f"The files in the multipart body are larger than max_upload_size "
                f"({limit} bytes); upload smaller files or raise the limit."
            )

"""Decide how to answer one static request: status, headers and which bytes; no I/O.

The order is HTTP's: method (GET and HEAD only, else 405), encoding negotiation (the
representation decides the ETag), If-None-Match (else If-Modified-Since) for a 304,
then Range (206, or 416 with `Content-Range: bytes */size`). `Vary: Accept-Encoding` is
on every answer for a name that has compressed copies, 304s included, so a cache keeps
one copy per coding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from legato.static.headers import (
    ByteRange,
    Unsatisfiable,
    accepted_encodings,
    etag_matches,
    parse_http_date,
    parse_range,
)
from legato.static.table import Representation, StaticFile

__all__ = ["Answer", "answer"]

Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Answer:
    """What to send: `length` bytes of `path` from `offset` (no body when length is 0).

    `body` holds those bytes already when the file is kept in memory.
    """

    status: int
    headers: Headers
    path: str = ""
    offset: int = 0
    length: int = 0
    body: bytes | None = None


def answer(method: str, headers: Mapping[str, str], file: StaticFile) -> Answer:
    """The answer to `method` for `file`; `headers` maps lower-cased names to values."""
    if method not in ("GET", "HEAD"):
        return Answer(405, [("Allow", "GET, HEAD"), ("Content-Length", "0")])
    coding, chosen = file.for_encodings(accepted_encodings(headers.get("accept-encoding")))
    common = _common_headers(file, chosen, coding)
    if _not_modified(headers, file, chosen):
        return Answer(304, common)
    common.append(("Content-Type", file.content_type))
    byte_range = _range_for(headers, file, chosen)
    body = method == "GET"
    if isinstance(byte_range, Unsatisfiable):
        return Answer(
            416, [*common, ("Content-Range", f"bytes */{chosen.size}"), ("Content-Length", "0")]
        )
    if byte_range is None:
        common.append(("Content-Length", str(chosen.size)))
        return _sending(200, common, chosen, 0, chosen.size if body else 0)
    common += [
        ("Content-Range", f"bytes {byte_range.start}-{byte_range.end}/{chosen.size}"),
        ("Content-Length", str(byte_range.length)),
    ]
    return _sending(206, common, chosen, byte_range.start, byte_range.length if body else 0)


def _sending(
    status: int, headers: Headers, chosen: Representation, offset: int, length: int
) -> Answer:
    content = chosen.content
    body = None if content is None or not length else content[offset : offset + length]
    return Answer(status, headers, chosen.path, offset, length, body)


def _common_headers(file: StaticFile, chosen: Representation, coding: str | None) -> Headers:
    headers = [
        ("Cache-Control", file.cache_control),
        ("ETag", chosen.etag),
        ("Last-Modified", file.last_modified),
        ("Accept-Ranges", "bytes"),
    ]
    if file.encoded:
        headers.append(("Vary", "Accept-Encoding"))
    if coding is not None:
        headers.append(("Content-Encoding", coding))
    return headers


def _not_modified(headers: Mapping[str, str], file: StaticFile, chosen: Representation) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        # When both are sent, If-None-Match decides (RFC 9110, 13.1.3).
        return etag_matches(if_none_match, chosen.etag)
    since = parse_http_date(headers.get("if-modified-since"))
    return since is not None and file.modified <= since


def _range_for(
    headers: Mapping[str, str], file: StaticFile, chosen: Representation
) -> ByteRange | Unsatisfiable | None:
    if_range = headers.get("if-range")
    if if_range is not None and if_range.strip() not in (chosen.etag, file.last_modified):
        return None  # the client's copy is stale: send the whole new file
    return parse_range(headers.get("range"), chosen.size)

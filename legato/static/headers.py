"""Parse the request headers a static file answer depends on; no I/O, never raises.

Each parser takes the header's text (None when absent) and returns a plain value. Input
that does not parse is treated as absent, as RFC 9110 asks of a bad Range or
If-Modified-Since: the answer is then the whole file, never an error.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from legato.http.accept_encoding import parse_accept_encoding

__all__ = [
    "ByteRange",
    "accepted_encodings",
    "etag_matches",
    "parse_http_date",
    "parse_range",
]

# Longer values are not parsed: no honest client sends them, and parsing stays bounded.
_MAX_HEADER = 4096


@dataclass(frozen=True, slots=True)
class ByteRange:
    """One satisfiable byte range: `start` and `end` inclusive, within the file."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable:
    """A well-formed single range that lies wholly outside the file (answer 416)."""


UNSATISFIABLE = Unsatisfiable()


def parse_range(value: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """The one byte range asked for; None for the whole file (absent, bad or several).

    Several ranges are answered with the whole file (200), which RFC 9110 allows: it
    spares a multipart/byteranges body that browsers and players never ask for.
    """
    if not value or len(value) > _MAX_HEADER:
        return None
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not _digits(first, last):
        return None
    if not first:  # "-N": the last N bytes
        suffix = int(last)
        if suffix == 0:
            return UNSATISFIABLE
        return ByteRange(max(size - suffix, 0), size - 1) if size else UNSATISFIABLE
    start = int(first)
    if last and int(last) < start:
        return None  # invalid syntax: ignored
    if start >= size:
        return UNSATISFIABLE
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)


def _digits(first: str, last: str) -> bool:
    if not (first or last):
        return False
    return all(not part or (part.isascii() and part.isdigit()) for part in (first, last))


def parse_http_date(value: str | None) -> float | None:
    """Seconds since the epoch of an HTTP date; None when absent or not a date."""
    if not value or len(value) > 64:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None  # HTTP dates are GMT; one without a zone is not an HTTP date
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError):
        return None


def etag_matches(value: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, as RFC 9110 says for it)."""
    if not value or len(value) > _MAX_HEADER:
        return False
    if value.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in value.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def accepted_encodings(value: str | None) -> frozenset[str]:
    """The content codings among br and gzip that Accept-Encoding allows (q > 0).

    `*` stands for any coding not named; `identity` is not listed (it is always there).
    The header is read by the one Accept-Encoding parser (legato.http.accept_encoding).
    """
    if not value or len(value) > _MAX_HEADER:
        return frozenset()
    weights = parse_accept_encoding(value)
    star = weights.get("*", 0.0)
    return frozenset(coding for coding in ("br", "gzip") if weights.get(coding, star) > 0)

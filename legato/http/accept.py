"""Read an Accept header as Django 5.2 does: media ranges, each with a quality and a specificity.

`MediaType` is one media range (`text/html; level=1; q=0.7`) or one media type a view
offers; `MediaType.match` says whether an offered type falls in an accepted range.
`parse_accept(header)` lists the ranges of an Accept header, highest quality first and,
among equal qualities, the more specific first; ranges with `q=0` are left out.
`HttpRequest.accepts()`, `accepted_type()` and `get_preferred_type()` are built on them.

Django's rules, kept here:

- quality: the `q` parameter rounded to three decimals; a `q` that is not a number from 0
  to 1 counts as 1 (so does NaN, which Django keeps as NaN);
- specificity: `*/*` 0, `text/*` 1, `text/html` 2, `text/html` with parameters other than
  `q` 3;
- matching: types equal or `*` on either side; parameters other than `q` equal, except
  that a range without parameters takes an offered type that has some;
- the header is split on commas without regard to quotes, and a range that does not
  parse is kept with what could be read of it (it then matches nothing).

A request's Accept header is client data: nothing here raises on any header value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from legato.http.headers import parse_header_parameters

__all__ = ["MediaType", "by_precedence", "governing_range", "parse_accept", "preferred_type"]

T = TypeVar("T", bound="str | MediaType")


class MediaType:
    """One media range or media type, parsed from text like `text/html; q=0.8`."""

    __slots__ = ("main_type", "params", "quality", "range_params", "specificity", "sub_type")

    def __init__(self, media_type_raw_line: str | None) -> None:
        full_type, self.params = parse_header_parameters(media_type_raw_line or "")
        self.main_type, _, self.sub_type = full_type.partition("/")
        self.range_params = {name: value for name, value in self.params.items() if name != "q"}
        self.quality = _quality(self.params.get("q"))
        self.specificity = self._specificity()

    def __str__(self) -> str:
        params = "".join(f"; {name}={value}" for name, value in self.params.items())
        sub_type = f"/{self.sub_type}" if self.sub_type else ""
        return f"{self.main_type}{sub_type}{params}"

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__}: {self}>"

    def match(self, other: str | MediaType | None) -> bool:
        """Say whether this offered type falls in the accepted range `other`."""
        if not other:
            return False
        if not isinstance(other, MediaType):
            other = MediaType(other)
        if not (self.main_type and self.sub_type and other.main_type and other.sub_type):
            return False
        for mine, theirs in ((self.main_type, other.main_type), (self.sub_type, other.sub_type)):
            if mine != theirs and "*" not in (mine, theirs):
                return False
        if bool(self.range_params) == bool(other.range_params):
            return self.range_params == other.range_params
        # One side has parameters: a range without any takes a type that has some.
        return bool(self.range_params)

    def _specificity(self) -> int:
        if self.main_type == "*":
            return 0
        if self.sub_type == "*":
            return 1
        return 3 if self.range_params else 2


def _quality(text: str | None) -> float:
    if text is None:
        return 1
    try:
        quality = float(text)
    except ValueError:
        return 1  # not a number: ignored, as Django does
    if not 0 <= quality <= 1:  # also NaN
        return 1
    return round(quality, 3)


def parse_accept(header: str) -> list[MediaType]:
    """The ranges of an Accept header value, in order of preference; none with q=0."""
    ranges = (MediaType(token) for token in header.split(",") if token.strip())
    return sorted(
        (media_type for media_type in ranges if media_type.quality != 0),
        key=lambda media_type: (media_type.quality, media_type.specificity),
        reverse=True,  # a stable sort: equal ranges keep the header's order
    )


def by_precedence(ranges: Iterable[MediaType]) -> list[MediaType]:
    """The same ranges, most specific first (then by quality): which one governs a type."""
    return sorted(
        ranges,
        key=lambda media_type: (media_type.specificity, media_type.quality),
        reverse=True,
    )


def preferred_type(
    offered: Sequence[T], ranges: Sequence[MediaType], precedence: Sequence[MediaType]
) -> T | None:
    """The offered media type the client prefers (`ranges` by preference, `precedence` by
    specificity); None if it accepts none of them."""
    position = {id(media_type): index for index, media_type in enumerate(ranges)}
    best: T | None = None
    best_position = len(ranges)
    for media_type in offered:
        governing = governing_range(media_type, precedence)
        if governing is not None and position[id(governing)] < best_position:
            best, best_position = media_type, position[id(governing)]
    return best


def governing_range(
    media_type: str | MediaType, precedence: Sequence[MediaType]
) -> MediaType | None:
    """The most specific accepted range that `media_type` falls in, or None."""
    offered = media_type if isinstance(media_type, MediaType) else MediaType(media_type)
    return next((accepted for accepted in precedence if offered.match(accepted)), None)

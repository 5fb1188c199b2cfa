"""Range, If-None-Match, If-Modified-Since and Accept-Encoding parsers: never raise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.static.headers import (
    UNSATISFIABLE,
    ByteRange,
    accepted_encodings,
    etag_matches,
    parse_http_date,
    parse_range,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),
        ("bytes=50-5000", ByteRange(50, 99)),
        ("BYTES = 1-1", ByteRange(1, 1)),
        ("bytes=100-", UNSATISFIABLE),
        ("bytes=100-200", UNSATISFIABLE),
        ("bytes=-0", UNSATISFIABLE),
        (None, None),
        ("", None),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("bytes=9-1", None),
        ("bytes=a-b", None),
        ("bytes=-", None),
        ("items=0-1", None),
        ("bytes=0x1-2", None),
        ("bytes=\u0661-\u0662", None),  # non-ASCII digits are not digits in HTTP
    ],
)
def test_parse_range_reads_single_ranges_and_ignores_the_rest(
    header: str | None, expected: object
) -> None:
    assert parse_range(header, 100) == expected


def test_parse_range_on_empty_file_is_unsatisfiable() -> None:
    assert parse_range("bytes=0-", 0) is UNSATISFIABLE
    assert parse_range("bytes=-5", 0) is UNSATISFIABLE


@given(st.text(max_size=60), st.integers(min_value=0, max_value=10**6))
def test_parse_range_never_raises_and_stays_within_the_file(header: str, size: int) -> None:
    parsed = parse_range(header, size)
    if isinstance(parsed, ByteRange):
        assert 0 <= parsed.start <= parsed.end < size


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 10**6))
def test_parse_range_of_valid_numbers_is_within_bounds(first: int, last: int, size: int) -> None:
    parsed = parse_range(f"bytes={first}-{last}", size)
    if first > last:
        assert parsed is None
    elif first >= size:
        assert parsed is UNSATISFIABLE
    else:
        assert parsed == ByteRange(first, min(last, size - 1))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480.0),
        ("Wednesday, 21-Oct-15 07:28:00 GMT", 1445412480.0),  # RFC 850, still accepted
        ("not a date", None),
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone
        ("Wed, 99 Oct 2015 07:28:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_http_date(header: str | None, expected: float | None) -> None:
    assert parse_http_date(header) == expected


@given(st.text(max_size=80))
def test_parse_http_date_never_raises(header: str) -> None:
    parse_http_date(header)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abd"', False),
        ("abc", False),
        ("", False),
        (None, False),
    ],
)
def test_etag_matches(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", {"br", "gzip"}),
        ("gzip", {"gzip"}),
        ("br;q=0, gzip", {"gzip"}),
        ("br;q=0.0, gzip;q=0", set()),
        ("*", {"br", "gzip"}),
        ("*;q=0, gzip", {"gzip"}),
        ("br;q=0.5, *;q=0", {"br"}),
        ("BR", {"br"}),
        ("gzip;q=x", set()),
        ("gzip;q=2", set()),
        ("gzip;q=nan", set()),
        ("identity", set()),
        ("", set()),
        (None, set()),
    ],
)
def test_accepted_encodings(header: str | None, expected: set[str]) -> None:
    assert accepted_encodings(header) == expected


@given(st.text(max_size=80))
def test_accepted_encodings_never_raises(header: str) -> None:
    assert accepted_encodings(header) <= {"br", "gzip"}

"""The Accept header as Django 5.2 reads it: media ranges, quality, specificity, matching."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http.accept import MediaType, by_precedence, governing_range, parse_accept


def test_empty_media_type_prints_as_nothing() -> None:
    for empty in (None, "", "  "):
        media_type = MediaType(empty)
        assert str(media_type) == ""
        assert repr(media_type) == "<MediaType: >"


def test_media_type_prints_with_its_parameters() -> None:
    assert str(MediaType("*/*; q=0.8")) == "*/*; q=0.8"
    assert str(MediaType("application/xml")) == "application/xml"
    assert str(MediaType("application/xml;type=madeup;q=42")) == (
        "application/xml; type=madeup; q=42"
    )
    assert repr(MediaType("application/xml")) == "<MediaType: application/xml>"


@pytest.mark.parametrize(
    ("offered", "accepted"),
    [
        ("*/*; q=0.8", "*/*"),
        ("*/*", "application/json"),
        (" */* ", "application/json"),
        ("application/*", "application/json"),
        ("application/xml", " application/xml "),
        ("text/vcard; version=4.0", "text/vcard; version=4.0"),
        ("text/vcard; version=4.0; q=0.7", "text/vcard; version=4.0"),
        ("text/vcard; version=4.0", "text/vcard"),
    ],
)
def test_match(offered: str, accepted: str) -> None:
    assert MediaType(offered).match(accepted) is True
    assert MediaType(offered).match(MediaType(accepted)) is True


@pytest.mark.parametrize(
    ("offered", "accepted"),
    [
        ("*/*", None),
        ("*/*", ""),
        ("*/*", "; q=0.8"),
        ("/*", "*/*"),
        ("*/*", "/*"),
        ("application", "application/*"),
        ("application/*", "application"),
        ("application/xml", "application/html"),
        ("text/vcard; version=4.0", "text/vcard; version=3.0"),
        ("text/vcard; q=0.7", "text/vcard; version=3.0"),
        ("text/vcard", "text/vcard; version=3.0"),
    ],
)
def test_no_match(offered: str, accepted: str | None) -> None:
    assert MediaType(offered).match(accepted) is False


@pytest.mark.parametrize(
    ("text", "params", "range_params"),
    [
        ("text/plain", {}, {}),
        ("text/plain;q=0.7", {"q": "0.7"}, {}),
        ("text/plain;version=2;q=0.8", {"version": "2", "q": "0.8"}, {"version": "2"}),
        (
            "text/plain ; q = 0.5 ; version = 3.0",
            {"q": "0.5", "version": "3.0"},
            {"version": "3.0"},
        ),
        ('text/html ; q = "0.6"', {"q": "0.6"}, {}),
        ("text/html;q= 0.9", {"q": "0.9"}, {}),
    ],
)
def test_params_and_range_params(
    text: str, params: dict[str, str], range_params: dict[str, str]
) -> None:
    media_type = MediaType(text)
    assert media_type.params == params
    assert media_type.range_params == range_params


@pytest.mark.parametrize(
    ("text", "quality"),
    [
        ("*/*; q=0.8", 0.8),
        ("*/*; q=0.0001", 0),
        ("*/*; q=0.12345", 0.123),
        ("*/*; q=-1", 1),
        ("*/*; q=2", 1),
        ("*/*; q=h", 1),
        ("*/*; q=inf", 1),
        ("*/*; q=nan", 1),
        ("*/*; q=0", 0),
        ("*/*", 1),
    ],
)
def test_quality(text: str, quality: float) -> None:
    assert MediaType(text).quality == quality


@pytest.mark.parametrize(
    ("text", "specificity"),
    [
        ("*/*", 0),
        ("*/*;q=0.5", 0),
        ("text/*", 1),
        ("text/html", 2),
        ("text/html;q=0.5", 2),
        ("text/html;version=5", 3),
    ],
)
def test_specificity(text: str, specificity: int) -> None:
    assert MediaType(text).specificity == specificity


def test_accept_is_ordered_by_quality_then_specificity_and_drops_q0() -> None:
    ranges = parse_accept(
        "text/*,text/html, application/xhtml+xml,application/xml ;q=0.9,*/*;q=0.8,"
    )
    assert [str(r) for r in ranges] == [
        "text/html",
        "application/xhtml+xml",
        "text/*",
        "application/xml; q=0.9",
        "*/*; q=0.8",
    ]
    assert [str(r) for r in by_precedence(ranges)] == [
        "text/html",
        "application/xhtml+xml",
        "application/xml; q=0.9",
        "text/*",
        "*/*; q=0.8",
    ]
    assert [str(r) for r in parse_accept("text/*;q=0,text/html")] == ["text/html"]


def test_the_most_specific_range_governs_a_type() -> None:
    # RFC 9110, section 12.5.1.
    precedence = by_precedence(
        parse_accept(
            "text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, "
            "text/plain;format=fixed;q=0.4, */*;q=0.5"
        )
    )
    for media_type, quality in [
        ("text/plain;format=flowed", 1),
        ("text/plain", 0.7),
        ("text/html", 0.3),
        ("image/jpeg", 0.5),
        ("text/plain;format=fixed", 0.4),
        ("text/html;level=3", 0.3),
    ]:
        governing = governing_range(media_type, precedence)
        assert governing is not None
        assert governing.quality == quality, media_type


header_text = st.text(
    st.sampled_from(list("abtx/*;=,. \"'\\q0123456789-+\t")) | st.characters(), max_size=80
)


@given(header_text)
def test_parse_accept_never_raises_and_orders_by_quality(header: str) -> None:
    ranges = parse_accept(header)
    qualities = [media_type.quality for media_type in ranges]
    assert all(0 < quality <= 1 for quality in qualities)
    assert qualities == sorted(qualities, reverse=True)
    assert sorted(by_precedence(ranges), key=id) == sorted(ranges, key=id)
    for media_type in ranges:
        str(media_type)
        repr(media_type)


@given(header_text, header_text)
def test_matching_never_raises(offered: str, header: str) -> None:
    precedence = by_precedence(parse_accept(header))
    governing = governing_range(offered, precedence)
    assert governing is None or governing in precedence
    MediaType(offered).match(header)

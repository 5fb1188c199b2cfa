"""Request headers by name, as Django's `request.headers`, and header parameters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http.headers import HttpHeaders, find_header, parse_header_parameters


def test_headers_are_case_insensitive_with_underscore_form() -> None:
    headers = HttpHeaders([(b"user-agent", b"curl/8"), (b"content-type", b"text/plain")])
    assert headers["user-agent"] == headers["User-Agent"] == headers["user_agent"] == "curl/8"
    assert "USER_AGENT" in headers
    assert headers.get("missing") is None
    with pytest.raises(KeyError):
        headers["missing"]


def test_headers_iterate_title_cased() -> None:
    headers = HttpHeaders([(b"content-type", b"a"), (b"x-forwarded-for", b"b"), (b"dnt", b"1")])
    assert list(headers) == ["Content-Type", "X-Forwarded-For", "Dnt"]
    assert dict(headers) == {"Content-Type": "a", "X-Forwarded-For": "b", "Dnt": "1"}
    assert len(headers) == 3


def test_repeated_headers_join_with_comma_and_cookies_with_semicolon() -> None:
    # ASGI header names are lower-case (the spec requires it); lookups are not.
    headers = HttpHeaders(
        [(b"accept", b"a"), (b"cookie", b"x=1"), (b"accept", b"b"), (b"cookie", b"y=2")]
    )
    assert headers["Accept"] == "a, b"
    assert headers["cookie"] == "x=1; y=2"
    assert dict(headers) == {"Accept": "a, b", "Cookie": "x=1; y=2"}


def test_headers_decode_latin1() -> None:
    assert HttpHeaders([(b"x-name", b"caf\xe9")])["x-name"] == "café"


def test_a_name_with_an_underscore_on_the_wire_is_never_seen() -> None:
    headers = HttpHeaders([(b"x_forwarded_for", b"6.6.6.6")])
    assert "X-Forwarded-For" not in headers
    assert headers.get("x_forwarded_for") is None
    assert dict(headers) == {}


def test_a_name_that_is_not_latin1_or_not_text_is_just_absent() -> None:
    headers = HttpHeaders([(b"x-name", b"value")])
    assert headers.get("x-nämé\u20ac") is None
    assert headers.get(42) is None  # type: ignore[arg-type]
    assert 42 not in headers


def test_find_header_reads_the_asgi_list_directly() -> None:
    raw = [(b"accept", b"a"), (b"cookie", b"x=1"), (b"accept", b"b"), (b"cookie", b"y=2")]
    assert find_header(raw, b"accept") == "a, b"
    assert find_header(raw, b"cookie") == "x=1; y=2"
    assert find_header(raw, b"missing") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('Text/HTML; Charset="ISO-8859-1"', ("text/html", {"charset": "ISO-8859-1"})),
        ("multipart/form-data; boundary=abc", ("multipart/form-data", {"boundary": "abc"})),
        ("application/json", ("application/json", {})),
        ("", ("", {})),
    ],
)
def test_header_parameters_are_split_and_unquoted(
    value: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert parse_header_parameters(value) == expected


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80))
def test_header_parameters_never_raise_on_latin1_text(value: str) -> None:
    main, params = parse_header_parameters(value)
    assert all(isinstance(text, str) for text in (main, *params, *params.values()))


@given(st.text(max_size=80))
def test_header_parameters_never_raise_on_any_text(value: str) -> None:
    # A META or a media type written by code may hold what no header on the wire can.
    main, params = parse_header_parameters(value)
    assert all(isinstance(text, str) for text in (main, *params, *params.values()))


def test_headers_read_from_meta_as_in_django() -> None:
    meta = {
        "HTTP_USER_AGENT": "curl/8",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "3",
        "HTTP_": "nameless",
        "SERVER_NAME": "example.com",
        "REMOTE_ADDR": "192.0.2.1",
    }
    headers = HttpHeaders.from_meta(meta)
    assert dict(headers) == {
        "User-Agent": "curl/8",
        "Content-Type": "text/plain",
        "Content-Length": "3",
    }
    assert headers["user_agent"] == headers["User-Agent"] == "curl/8"
    assert "Server-Name" not in headers

from __future__ import annotations

from http.cookies import SimpleCookie

from hypothesis import given
from hypothesis import strategies as st

from legato.http.cookies import parse_cookie


def test_parse_cookie_splits_pairs_and_strips_spaces() -> None:
    assert parse_cookie("a=1; b=2;c=3 ") == {"a": "1", "b": "2", "c": "3"}


def test_parse_cookie_keeps_equals_in_value() -> None:
    assert parse_cookie("token=abc==; x=a=b") == {"token": "abc==", "x": "a=b"}


def test_parse_cookie_reads_pair_without_equals_as_empty_name() -> None:
    assert parse_cookie("lonely; a=1") == {"": "lonely", "a": "1"}


def test_parse_cookie_skips_empty_chunks() -> None:
    assert parse_cookie(";; ;a=1;;") == {"a": "1"}
    assert parse_cookie("") == {}


def test_parse_cookie_last_duplicate_wins() -> None:
    assert parse_cookie("a=1; a=2") == {"a": "2"}


def test_parse_cookie_unquotes_simplecookie_values() -> None:
    jar: SimpleCookie = SimpleCookie()
    jar["greeting"] = 'say "hi"; é'
    header = jar.output(header="", attrs=[]).strip()
    assert parse_cookie(header) == {"greeting": 'say "hi"; é'}


def test_parse_cookie_tolerates_malformed_quotes_and_escapes() -> None:
    assert parse_cookie('a="unterminated; b="x\\') == {"a": '"unterminated', "b": '"x\\'}
    assert parse_cookie('a="\\q\\101"') == {"a": "qA"}


def test_parse_cookie_keeps_non_ascii_values() -> None:
    assert parse_cookie("name=José; emoji=☃") == {"name": "José", "emoji": "☃"}


@given(st.text())
def test_parse_cookie_never_raises(header: str) -> None:
    cookies = parse_cookie(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())

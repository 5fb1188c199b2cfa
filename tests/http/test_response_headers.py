"""Tests for ResponseHeaders made by `for_body`, which build their map only when used.

Every test here holds them to one rule: whatever is done to them, they answer exactly
as headers built at once with the same content would.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.http.response import HttpResponse, JsonResponse, StreamingHttpResponse
from legato.http.response_headers import (
    FRAMED_CONTENT_TYPES,
    BadHeaderError,
    DefaultHeaders,
    ResponseHeaders,
)

SECURITY = DefaultHeaders({"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})
FRAME = DefaultHeaders({"X-Frame-Options": "DENY"})
OVERLAPPING = DefaultHeaders({"X-Frame-Options": "SAMEORIGIN", "X-Extra": "1"})
FRAMING = DefaultHeaders({"Content-Length": "0", "Content-Type": "text/plain", "X-B": "2"})
DEFAULTS = [SECURITY, FRAME, OVERLAPPING, FRAMING]
NAMES = ["Content-Type", "content-type", "Content-Length", "CONTENT-LENGTH", "X-Frame-Options"]
NAMES += ["x-frame-options", "X-Extra", "Referrer-Policy", "X-Other"]


def eager(content_type: str | None, length: int | None) -> ResponseHeaders:
    headers = ResponseHeaders({"Content-Type": content_type or "text/html; charset=utf-8"})
    if length is not None:
        headers["Content-Length"] = length
    return headers


def reads(headers: ResponseHeaders) -> tuple[Any, ...]:
    """What reading headers one by one and sending them gives (neither builds the map)."""
    return (headers.wire_items(), [(headers.get(name), name in headers) for name in NAMES])


def listing(headers: ResponseHeaders) -> tuple[Any, ...]:
    """What listing the headers as text gives (this builds the map)."""
    return (list(headers.items()), len(headers), repr(headers))


operation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(NAMES), st.one_of(st.integers(0, 99), st.text("ab"))),
    st.tuples(st.just("set"), st.just("Content-Length"), st.integers(0, 99)),  # what writes do
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("setdefault"), st.sampled_from(NAMES), st.text("ab")),
    st.tuples(st.just("setdefaults"), st.integers(0, len(DEFAULTS) - 1)),
    st.tuples(st.just("read"), st.sampled_from(NAMES)),
)


def perform(headers: ResponseHeaders, step: tuple[Any, ...]) -> object:
    match step:
        case ("set", name, value):
            headers[name] = value
        case ("delete", name):
            return headers.pop(name, None)
        case ("setdefault", name, value):
            return headers.setdefault(name, value)
        case ("setdefaults", index):
            headers.setdefaults(DEFAULTS[index])
        case ("read", name):
            return (headers.get(name), name in headers, headers.wire_items())
    return None


@settings(max_examples=500)
@given(
    st.sampled_from([None, *FRAMED_CONTENT_TYPES]),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.lists(operation, max_size=8),
)
def test_headers_made_for_a_body_answer_as_built_ones(
    content_type: str | None, length: int | None, steps: list[tuple[Any, ...]]
) -> None:
    lazy, built = ResponseHeaders.for_body(content_type, length), eager(content_type, length)
    assert reads(lazy) == reads(built)
    for step in steps:
        assert perform(lazy, step) == perform(built, step)
        assert reads(lazy) == reads(built)
    assert listing(lazy) == listing(built)
    assert reads(lazy) == reads(built)


def test_for_body_with_another_content_type_checks_it() -> None:
    headers = ResponseHeaders.for_body("text/csv", 3)
    assert headers.wire_items() == [(b"content-type", b"text/csv"), (b"content-length", b"3")]
    with pytest.raises(BadHeaderError):
        ResponseHeaders.for_body("text/csv\r\nSet-Cookie: x=1")


def test_setdefaults_keeps_what_is_there_and_adds_the_rest() -> None:
    headers = ResponseHeaders.for_body("application/json", 2)
    headers.setdefaults(FRAME)
    headers.setdefaults(OVERLAPPING)  # X-Frame-Options is there already
    assert headers.wire_items() == [
        (b"content-type", b"application/json"),
        (b"content-length", b"2"),
        (b"x-frame-options", b"DENY"),
        (b"x-extra", b"1"),
    ]


def test_default_headers_never_replace_the_framing() -> None:
    headers = ResponseHeaders.for_body(None, 5)
    headers.setdefaults(FRAMING)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == "5"
    assert headers["X-B"] == "2"


def test_default_headers_apply_to_any_response() -> None:
    stream = StreamingHttpResponse(iter([b"x"]))
    FRAME.apply(stream)
    assert ("X-Frame-Options", "DENY") in stream.wsgi_headers()
    response = JsonResponse({"a": 1})
    FRAME.apply(response)
    assert (b"x-frame-options", b"DENY") in response.asgi_headers()


def test_response_charset_is_read_from_content_type_without_options() -> None:
    response = HttpResponse(b"x", content_type="text/csv; charset=latin-1")
    assert response.charset == "latin-1"
    response["Content-Type"] = "application/json"
    assert response.charset == "utf-8"


def test_text_for_a_framework_content_type_is_utf8() -> None:
    response = HttpResponse("é", content_type="text/plain; charset=utf-8")
    assert response.content == "é".encode()
    assert response["Content-Length"] == "2"


def test_write_keeps_content_length_on_a_response_made_fast() -> None:
    response = HttpResponse(b"ab")
    assert response.tell() == 2
    response.write("cd")
    assert response.tell() == 4
    assert response["Content-Length"] == "4"
    assert (b"content-length", b"4") in response.asgi_headers()

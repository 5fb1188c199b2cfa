"""The test client's response: rebuilt from the ASGI messages, with json() and url."""

from __future__ import annotations

import pytest

from legato.test.response import TestResponse


def from_wire(*headers: tuple[bytes, bytes], body: bytes = b"") -> TestResponse:
    return TestResponse.from_asgi(200, list(headers), body, method="GET", url="/x/")


def test_headers_are_exactly_the_ones_sent_with_repeats_joined() -> None:
    response = from_wire((b"x-tag", b"a"), (b"X-Tag", b"b"), (b"content-length", b"0"))
    assert response["X-Tag"] == "a, b"
    assert sorted(response.headers) == ["content-length", "x-tag"]  # as sent; no Content-Type


def test_set_cookie_headers_become_cookies() -> None:
    response = from_wire(
        (b"set-cookie", b"session=abc; HttpOnly; Path=/"), (b"Set-Cookie", b"theme=dark")
    )
    assert response.cookies["session"].value == "abc"
    assert response.cookies["session"]["httponly"] is True
    assert response.cookies["theme"].value == "dark"
    assert "Set-Cookie" not in response.headers


def test_json_reads_a_json_body_and_refuses_anything_else() -> None:
    data = from_wire((b"content-type", b"application/problem+json"), body=b'{"a":1}')
    assert data.json() == {"a": 1}
    page = from_wire((b"content-type", b"text/html"), body=b"<p>")
    with pytest.raises(ValueError, match='Content-Type header is "text/html"'):
        page.json()


def test_url_redirect_chain_and_request_are_there_for_redirect_tests() -> None:
    response = TestResponse.from_asgi(
        302, [(b"location", b"/next/")], b"", method="POST", url="/login/"
    )
    assert (response.status_code, response.url) == (302, "/next/")
    assert response.redirect_chain == []
    assert response.request == {"method": "POST", "url": "/login/"}

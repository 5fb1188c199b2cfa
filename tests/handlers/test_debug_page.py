"""The `debug=True` error page, rendered directly: text or HTML, escaped, secrets masked."""

from __future__ import annotations

from legato.handlers import debug_page
from legato.http import HttpRequest


def request(*headers: tuple[bytes, bytes]) -> HttpRequest:
    scope = {"type": "http", "method": "GET", "path": "/orders/7/", "server": ("testserver", 80)}
    return HttpRequest({**scope, "query_string": b"x=1", "headers": headers})


def failure() -> ValueError:
    try:
        raise ValueError("total is <negative>")
    except ValueError as exc:
        return exc


def test_text_page_has_one_traceback_in_the_format_python_prints() -> None:
    exc = failure()
    text = debug_page.response(request(), exc, 500, []).content.decode()
    assert text.count("Traceback (most recent call last):") == 1
    frames = text.split("Traceback (most recent call last):\n", 1)[1]
    assert 'raise ValueError("total is <negative>")' in frames
    assert "\n\n  File" not in frames  # frames follow each other, as Python prints them
    assert "ValueError: total is <negative>\n\nYou see this page" in text


def test_text_page_shows_the_request_and_masks_credentials() -> None:
    page = debug_page.response(
        request((b"cookie", b"session=secret"), (b"user-agent", b"curl/8")), failure(), 500, []
    )
    text = page.content.decode()
    assert page["Content-Type"] == "text/plain; charset=utf-8"
    assert "GET /orders/7/?x=1" in text
    assert "Cookie: ********" in text
    assert "secret" not in text
    assert "User-Agent: curl/8" in text


def test_html_page_for_browsers_escapes_the_message_and_the_locals() -> None:
    page = debug_page.response(request((b"accept", b"text/html")), failure(), 500, [])
    html = page.content.decode()
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert "total is <negative>" not in html
    assert "total is &lt;negative&gt;" in html
    assert "<details>" in html  # one per frame, with its locals


def test_404_page_lists_the_patterns_tried_and_no_traceback() -> None:
    exc = LookupError("No route matches the path '/orders/7/'.")
    text = debug_page.response(request(), exc, 404, ["orders/", "orders/<int:pk>/edit/"])
    body = text.content.decode()
    assert body.startswith("Page not found (404): No route matches")
    assert "URL patterns tried:\n  orders/\n  orders/<int:pk>/edit/" in body
    assert "Traceback" not in body

"""Pages from templates on a real uvicorn: inheritance and url(), async calls from a
template, error pages with debug on and off, and a streamed page read off the socket."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.apps.templates_app import ROW_DELAY, ROWS
from tests.integration.servers import SERVERS, legato_process, output_of, server_options

pytestmark = pytest.mark.integration

APP = "tests.integration.apps.templates_app:app"


@pytest.fixture(scope="module", params=SERVERS)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, object]]:
    with legato_process(APP, *server_options(request.param)) as (base, process):
        yield base, process


@pytest.fixture(scope="module")
def debug_url() -> Iterator[str]:
    with legato_process(APP, env={"LEGATO_DEBUG": "1"}) as (base, _):
        yield base


def test_a_page_extends_its_base_and_links_with_url(served: tuple[str, object]) -> None:
    base, _ = served
    page = httpx.get(base + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Our shop · Shop</title>" in page.text
    assert '<link rel="stylesheet" href="/static/shop.css">' in page.text
    assert '<nav><a href="/">home</a></nav>' in page.text
    assert '<a href="/products/tea/">Green &lt;tea&gt;</a> 4.50' in page.text  # escaped
    assert '<a href="/products/cup/">Cup &amp; saucer</a> 12.00' in page.text


def test_a_sync_view_renders_through_the_same_path(served: tuple[str, object]) -> None:
    base, _ = served
    page = httpx.get(base + "/products/cup/", timeout=10)
    assert page.status_code == 200
    assert "<h1>cup</h1>" in page.text


def test_a_template_error_is_a_plain_500_and_logged(served: tuple[str, object]) -> None:
    base, process = served
    page = httpx.get(base + "/broken/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 500
    assert page.text == (
        "<!doctype html>\n<title>Server Error (500)</title>\n<h1>Server Error (500)</h1>\n"
    )
    deadline = time.monotonic() + 5
    while "In template pages/broken.html, line 4." not in output_of(process):  # type: ignore[arg-type]
        assert time.monotonic() < deadline, output_of(process)  # type: ignore[arg-type]
        time.sleep(0.05)
    assert "Internal Server Error: /broken/" in output_of(process)  # type: ignore[arg-type]


def test_a_template_error_with_debug_shows_the_template_and_line(debug_url: str) -> None:
    page = httpx.get(debug_url + "/broken/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 500
    assert "UndefinedError" in page.text
    assert "In template <code>pages/broken.html</code>, line 4" in page.text
    assert "<mark>   4 &lt;p&gt;{{ missing.attribute }}&lt;/p&gt;</mark>" in page.text
    assert "   3 &lt;p&gt;before&lt;/p&gt;" in page.text


def test_a_streamed_page_arrives_before_its_last_row_is_rendered(
    served: tuple[str, object],
) -> None:
    base, _ = served
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(b"GET /rows/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = b""
        arrivals: list[tuple[float, bytes]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            arrivals.append((time.monotonic(), data))
            received += data
    assert b"HTTP/1.1 200 OK" in received
    assert b"transfer-encoding: chunked" in received.lower()
    assert received.count(b"<li>row") == ROWS
    # The head of the page, up to the list, left at once; the last row came later, after
    # rendering had waited for each row in turn.
    first_with_body = next(at for at, data in arrivals if b"<h1>Rows</h1>" in data)
    last_row = next(at for at, data in arrivals if f"row {ROWS}".encode() in data)
    assert b"end of rows" not in b"".join(d for at, d in arrivals if at <= first_with_body)
    assert last_row - first_with_body >= (ROWS - 1) * ROW_DELAY * 0.8

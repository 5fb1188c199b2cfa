"""GZipMiddleware and CorsMiddleware on a real uvicorn: negotiation, a compressed event
stream read event by event from the socket, CORS preflight and actual requests."""

from __future__ import annotations

import gzip
import signal
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import brotli
import h11
import httpx
import pytest

from tests.integration.apps.pages_mw import ALLOWED_ORIGIN, PAGE
from tests.integration.servers import SERVERS, legato_process, legato_server, server_options

pytestmark = pytest.mark.integration

APP = "tests.integration.apps.pages_mw:app"


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with legato_server(APP, *server_options(request.param)) as url:
        yield url


def raw_get(base_url: str, path: str, accept_encoding: str) -> tuple[httpx.Headers, bytes]:
    """GET with httpx: the headers, and the body as the server sent it (not decoded)."""
    headers = {"Accept-Encoding": accept_encoding}
    with (
        httpx.Client(base_url=base_url, timeout=10) as client,
        client.stream("GET", path, headers=headers) as answer,
    ):
        return answer.headers, b"".join(answer.iter_raw())


@pytest.mark.parametrize(
    ("accept", "coding", "decompress"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("gzip, deflate, br", "br", brotli.decompress),
        ("br;q=0.1, gzip", "gzip", gzip.decompress),
        ("identity", None, bytes),
    ],
)
def test_the_page_is_compressed_as_the_client_asks(
    base_url: str, accept: str, coding: str | None, decompress: Callable[[bytes], bytes]
) -> None:
    headers, body = raw_get(base_url, "/", accept)
    assert headers.get("content-encoding") == coding
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    assert decompress(body).decode() == PAGE


class EventReader:
    """Read one response from a socket with h11, decompressing the body as it arrives."""

    def __init__(self, base_url: str, path: str, accept_encoding: str) -> None:
        parts = urlsplit(base_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.http = h11.Connection(h11.CLIENT)
        request = h11.Request(
            method="GET",
            target=path,
            headers=[("Host", "127.0.0.1"), ("Accept-Encoding", accept_encoding)],
        )
        self.sock.sendall(self.http.send(request) + self.http.send(h11.EndOfMessage()))
        self.ended = False

    def next_event(self) -> h11.Event:
        while True:
            event = self.http.next_event()
            if event is not h11.NEED_DATA:
                self.ended = self.ended or isinstance(event, h11.EndOfMessage)
                return event
            self.http.receive_data(self.sock.recv(65536))

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_compressed_event_stream_arrives_event_by_event(base_url: str, coding: str) -> None:
    reader = EventReader(base_url, "/events/", coding)
    decoder = zlib.decompressobj(wbits=31) if coding == "gzip" else brotli.Decompressor()
    decompress = decoder.decompress if coding == "gzip" else decoder.process
    try:
        response = reader.next_event()
        assert isinstance(response, h11.Response)
        headers = {name.decode(): value.decode() for name, value in response.headers}
        assert headers["content-encoding"] == coding
        assert headers["content-type"] == "text/event-stream"
        received = b""
        deadline = time.monotonic() + 10
        while b"data: first\n\n" not in received and time.monotonic() < deadline:
            event = reader.next_event()
            assert isinstance(event, h11.Data), f"the stream ended early: {event}"
            received += decompress(event.data)
        assert received == b"data: first\n\n"
        assert not reader.ended  # the view holds the second event back until released
        httpx.get(base_url + "/release/", timeout=10)
        while not reader.ended:
            event = reader.next_event()
            if isinstance(event, h11.Data):
                received += decompress(event.data)
        assert received == b"data: first\n\ndata: second\n\n"
        assert decoder.eof if coding == "gzip" else decoder.is_finished()
    finally:
        reader.close()


def test_shutdown_ends_a_compressed_event_stream_with_a_complete_body() -> None:
    with legato_process(APP) as (base_url, process):
        reader = EventReader(base_url, "/events/", "gzip")
        decoder = zlib.decompressobj(wbits=31)
        try:
            assert isinstance(reader.next_event(), h11.Response)
            event = reader.next_event()
            assert isinstance(event, h11.Data)
            received = decoder.decompress(event.data)
            process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while not reader.ended and time.monotonic() < deadline:
                event = reader.next_event()
                if isinstance(event, h11.Data):
                    received += decoder.decompress(event.data)
        finally:
            reader.close()
        process.wait(timeout=15)
    # The shut-down event went out inside the gzip stream, which then ended properly.
    assert received.startswith(b"data: first\n\n")
    assert received.endswith(b"retry: 1000\n\n")
    assert decoder.eof


def test_a_preflight_is_answered_without_reaching_the_view(base_url: str) -> None:
    headers = {
        "Origin": ALLOWED_ORIGIN,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
    }
    with httpx.Client(base_url=base_url, timeout=10) as client:
        before = client.get("/api/").json()["calls"]
        response = client.options("/api/", headers=headers)
        after = client.get("/api/").json()["calls"]
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"]
    assert response.headers["vary"] == "Origin"
    assert after == [*before, "GET"]  # the OPTIONS never reached the view


def test_an_actual_request_from_an_allowed_origin_may_be_read(base_url: str) -> None:
    response = httpx.get(base_url + "/api/", headers={"Origin": ALLOWED_ORIGIN}, timeout=10)
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "items" in response.json()


def test_other_origins_and_other_paths_get_no_cors_headers(base_url: str) -> None:
    other = httpx.get(base_url + "/api/", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin"
    page = httpx.get(base_url + "/", headers={"Origin": ALLOWED_ORIGIN}, timeout=10)
    assert "access-control-allow-origin" not in page.headers

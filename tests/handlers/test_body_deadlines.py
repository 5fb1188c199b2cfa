"""A body that arrives too slowly is answered 408 on a connection the server then closes.

Requests go straight into the app's ASGI callable; `receive` hands out the body in
chunks at a set pace, as a slow client would make a server do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping
from typing import Any

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path


def make_app(views_run: list[int], **settings: Any) -> App:
    async def upload(request: HttpRequest) -> HttpResponse:
        views_run.append(len(request.body))
        return HttpResponse(b"%d" % len(request.body))

    return App([path("upload/", upload)], allowed_hosts=["testserver"], **settings)


def scope(length: int) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/upload/",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-length", b"%d" % length)],
        "server": ("testserver", 80),
    }


async def post(
    app: App, chunks: int, size: int, pause: float, length: int | None = None
) -> list[MutableMapping[str, Any]]:
    """POST `chunks` chunks of `size` bytes, `pause` seconds apart, then nothing more.

    Content-Length is what the chunks add up to, or `length`: then the client stalls
    after its chunks. Returns what the app sent.
    """
    sent: list[MutableMapping[str, Any]] = []
    remaining = chunks

    async def receive() -> dict[str, Any]:
        nonlocal remaining
        if remaining == 0:
            await asyncio.sleep(3600)  # a client that stopped sending
        await asyncio.sleep(pause)
        remaining -= 1
        more = remaining > 0 or length is not None  # a length given: the rest never comes
        return {"type": "http.request", "body": b"x" * size, "more_body": more}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope(chunks * size if length is None else length), receive, send)
    return sent


def status_and_headers(sent: list[MutableMapping[str, Any]]) -> tuple[int, dict[bytes, bytes]]:
    return sent[0]["status"], dict(sent[0]["headers"])


def test_a_slow_body_is_answered_408_with_connection_close() -> None:
    views_run: list[int] = []
    app = make_app(views_run, request_body_timeout=0.2, request_body_min_rate=1000)
    started = time.monotonic()
    sent = asyncio.run(post(app, chunks=20, size=10, pause=0.05))  # 200 bytes/s
    status, headers = status_and_headers(sent)
    assert status == 408
    assert headers[b"connection"] == b"close"
    assert b"request_body_timeout" in sent[1]["body"]
    assert views_run == []
    assert time.monotonic() - started < 0.6


def test_a_client_that_stops_sending_is_answered_408() -> None:
    views_run: list[int] = []
    app = make_app(views_run, request_body_timeout=0.1, request_body_min_rate=None)
    sent = asyncio.run(post(app, chunks=1, size=10, pause=0, length=100))
    assert status_and_headers(sent)[0] == 408
    assert views_run == []


def test_a_body_at_the_min_rate_may_take_longer_than_the_timeout() -> None:
    # 0.1 s, plus 1 s per 10,000 bytes: 20 chunks of 1,000 bytes, 0.03 s apart, take
    # 0.6 s, each chunk moving the deadline 0.1 s further.
    views_run: list[int] = []
    app = make_app(views_run, request_body_timeout=0.1, request_body_min_rate=10_000)
    sent = asyncio.run(post(app, chunks=20, size=1000, pause=0.03))
    assert status_and_headers(sent)[0] == 200
    assert views_run == [20_000]


def test_no_body_timeout_waits_for_the_body() -> None:
    views_run: list[int] = []
    app = make_app(views_run, request_body_timeout=None)
    sent = asyncio.run(post(app, chunks=3, size=10, pause=0.05))
    assert status_and_headers(sent)[0] == 200
    assert views_run == [30]


def test_a_server_cancelling_a_slow_body_read_is_not_answered_408() -> None:
    # Shut-down cancels request tasks; a body deadline must not turn that into a 408.
    views_run: list[int] = []
    app = make_app(views_run, request_body_timeout=5.0)

    async def scenario() -> tuple[bool, list[MutableMapping[str, Any]]]:
        request = asyncio.ensure_future(post(app, chunks=1, size=10, pause=0, length=100))
        await asyncio.sleep(0.05)
        request.cancel()
        try:
            await request
        except asyncio.CancelledError:
            return True, []
        return False, request.result()

    cancelled, sent = asyncio.run(scenario())
    assert cancelled, f"the app answered {sent[:1]} instead of letting the cancellation through"
    assert views_run == []

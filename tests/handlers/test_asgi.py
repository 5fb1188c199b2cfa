"""One ASGI HTTP connection, message by message: body reading, framing, sending, leaving.

The app is called as a server calls it, with a hand-made receive/send pair, so each test
sees exactly the messages sent. Behaviour that WSGI must share is also run through both
servers (tests/parity.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, StreamingHttpResponse
from legato.urls import path
from tests.parity import ServeBoth

pytestmark = pytest.mark.anyio

Message = dict[str, Any]


def scope(method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> Message:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def call(app: App, request_scope: Message, *received: Message) -> list[Message]:
    """Run one request; `received` are the messages the server hands the app, in order."""
    incoming = [*received]
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # a client that stays connected and sends nothing more
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await asyncio.wait_for(app(request_scope, receive, send), 5)
    return sent


async def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body, content_type="application/octet-stream")


async def test_a_bodyless_get_is_answered_with_one_start_and_one_body() -> None:
    sent = await call(App([path("", echo)]), scope())
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert (b"content-length", b"0") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b""}


async def test_a_body_in_several_messages_is_whole_before_the_view_runs() -> None:
    app = App([path("", echo)])
    sent = await call(
        app,
        scope("POST", [(b"content-length", b"11")]),
        {"type": "http.request", "body": b"hello ", "more_body": True},
        {"type": "http.request", "body": b"world", "more_body": False},
    )
    assert sent[-1]["body"] == b"hello world"


async def test_a_client_that_leaves_during_the_body_gets_no_view_and_no_answer() -> None:
    views: list[str] = []

    async def view(request: HttpRequest) -> HttpResponse:
        views.append("ran")
        return HttpResponse()

    sent = await call(
        App([path("", view)]),
        scope("POST", [(b"content-length", b"100")]),
        {"type": "http.request", "body": b"partial", "more_body": True},
        {"type": "http.disconnect"},
    )
    assert (sent, views) == ([], [])


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([(b"content-length", b"12abc")], b"Invalid Content-Length header"),
        ([(b"host", b"testserver")], b"Bad Request"),  # a second Host header
    ],
)
async def test_bad_framing_or_two_hosts_are_answered_400(
    headers: list[tuple[bytes, bytes]], message: bytes
) -> None:
    sent = await call(App([path("", echo)]), scope("POST", headers))
    assert sent[0]["status"] == 400
    assert message in sent[1]["body"]


async def test_a_stream_is_sent_chunk_by_chunk_and_ended_with_an_empty_body() -> None:
    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(iter(["a", "b"]))

    sent = await call(App([path("", view)]), scope())
    assert sent[1:] == [
        {"type": "http.response.body", "body": b"a", "more_body": True},
        {"type": "http.response.body", "body": b"b", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]


async def test_a_send_that_fails_because_the_client_left_ends_the_request_quietly() -> None:
    async def receive() -> Message:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        raise OSError("connection closed")  # what ASGI servers raise once it is gone

    await App([path("", echo)])(scope(), receive, send)  # no exception


def test_head_of_a_stream_sends_no_body_and_never_starts_the_iterator(both: ServeBoth) -> None:
    produced: list[int] = []

    def numbers() -> Iterator[str]:
        for n in range(3):
            produced.append(n)
            yield str(n)

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(numbers())

    response = both(lambda: App([path("", view)])).request("HEAD", "/")
    assert response.status == 200
    assert response.body == b""
    assert produced == []

"""The test client reads streams chunk by chunk and event by event, and can disconnect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from legato import App
from legato.http import (
    EventStreamResponse,
    HttpRequest,
    ServerSentEvent,
    StreamingHttpResponse,
)
from legato.test import AsyncClient, Client
from legato.test.streaming import Event, parse_events
from legato.urls import path

log: list[str] = []


async def numbers(request: HttpRequest) -> StreamingHttpResponse:
    async def produce() -> AsyncIterator[str]:
        for n in range(3):
            yield f"{n};"

    return StreamingHttpResponse(produce(), content_type="text/plain")


def sync_numbers(request: HttpRequest) -> StreamingHttpResponse:
    def produce() -> Iterator[bytes]:
        yield from (b"a", b"b", b"c")

    return StreamingHttpResponse(produce())


async def endless(request: HttpRequest) -> EventStreamResponse:
    async def ticks() -> AsyncIterator[ServerSentEvent]:
        n = 0
        try:
            while True:
                yield ServerSentEvent({"n": n}, event="tick", id=str(n))
                n += 1
                await asyncio.sleep(0.01)
        finally:
            log.append(f"stream closed after {n}")

    return EventStreamResponse(ticks())


app = App([path("numbers/", numbers), path("sync/", sync_numbers), path("events/", endless)])


def test_plain_get_collects_a_finite_stream() -> None:
    with Client(app) as client:
        assert client.get("/numbers/").content == b"0;1;2;"
        assert client.get("/sync/").content == b"abc"


def test_sync_client_iterates_chunks() -> None:
    with Client(app) as client, client.stream("GET", "/numbers/") as response:
        assert response.status_code == 200
        assert list(response.iter_chunks()) == [b"0;", b"1;", b"2;"]


def test_leaving_an_endless_event_stream_cancels_it() -> None:
    log.clear()
    with Client(app) as client:
        with client.stream("GET", "/events/") as response:
            assert response["Content-Type"].startswith("text/event-stream")
            events = response.iter_events()
            first, second = next(events), next(events)
        assert first == Event(data='{"n":0}', event="tick", id="0")
        assert second.id == "1"
    assert len(log) == 1
    assert log[0].startswith("stream closed after")


@pytest.mark.anyio
async def test_async_client_reads_events_as_they_come() -> None:
    log.clear()
    async with AsyncClient(app) as client, client.stream("GET", "/events/") as response:
        seen = []
        async for event in response.aiter_events():
            seen.append(int(event.id or "-1"))
            if len(seen) == 3:
                break
    assert seen == [0, 1, 2]
    assert len(log) == 1
    assert log[0].startswith("stream closed")


def test_event_parser_follows_the_whatwg_rules() -> None:
    body = (
        b": comment\n\ndata: one\ndata:two\r\n\r\nevent: custom\ndata: x\nid: 7\nretry: 100\n\n"
        b"data\n\n"
    )
    assert parse_events(body) == [
        Event("one\ntwo"),
        Event("x", "custom", "7", 100),
        Event("", "message", "7", 100),
    ]

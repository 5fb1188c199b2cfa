"""Tests for Server-Sent Events: encoding checked by a WHATWG parser, and the stream."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato.http import HttpRequest
from legato.http.response import StreamingHttpResponse
from legato.http.sse import EventStreamResponse, ServerSentEvent
from legato.urls import path
from tests.parity import ServeBoth

HEARTBEAT = b": ping\n\n"


@dataclasses.dataclass
class Event:
    data: str
    type: str = "message"
    last_event_id: str = ""


@dataclasses.dataclass
class Parser:
    """The event-stream interpretation algorithm of the WHATWG HTML standard, 9.2.6."""

    events: list[Event] = dataclasses.field(default_factory=list)
    retry: int | None = None
    last_event_id: str = ""
    _data: str = ""
    _type: str = ""

    def feed(self, stream: bytes) -> list[Event]:
        text = stream.decode("utf-8")
        text = text.removeprefix("\ufeff")
        for line in re.split(r"\r\n|\r|\n", text)[:-1]:  # a trailing partial line is dropped
            self._line(line)
        return self.events

    def _line(self, line: str) -> None:
        if line == "":
            self._dispatch()
        elif line.startswith(":"):
            return
        else:
            name, _, value = line.partition(":")
            self._field(name, value.removeprefix(" "))

    def _field(self, name: str, value: str) -> None:
        if name == "data":
            self._data += value + "\n"
        elif name == "event":
            self._type = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)

    def _dispatch(self) -> None:
        if self._data == "":
            self._type = ""
            return
        data = self._data.removesuffix("\n")
        self.events.append(Event(data, self._type or "message", self.last_event_id))
        self._data = self._type = ""


def parse(stream: bytes) -> list[Event]:
    return Parser().feed(stream)


# ---------------------------------------------------------------- ServerSentEvent


def test_event_with_every_field() -> None:
    event = ServerSentEvent("hello", event="greeting", id="7", retry=3000, comment="note")
    assert event.encode() == (b": note\nid: 7\nevent: greeting\nretry: 3000\ndata: hello\n\n")
    parser = Parser()
    assert parser.feed(event.encode()) == [Event("hello", "greeting", "7")]
    assert parser.retry == 3000


def test_event_multiline_data_is_one_data_line_per_line() -> None:
    event = ServerSentEvent("a\nb\r\nc\rd")
    assert event.encode() == b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert parse(event.encode()) == [Event("a\nb\nc\nd")]


def test_event_empty_data_is_still_an_event() -> None:
    assert ServerSentEvent("").encode() == b"data: \n\n"
    assert parse(ServerSentEvent("").encode()) == [Event("")]


def test_event_leading_space_in_data_survives() -> None:
    assert parse(ServerSentEvent("  two spaces").encode()) == [Event("  two spaces")]


def test_event_dict_and_list_data_are_json() -> None:
    assert ServerSentEvent({"a": [1, "x"]}).encode() == b'data: {"a":[1,"x"]}\n\n'
    assert ServerSentEvent([1, 2]).encode() == b"data: [1,2]\n\n"
    assert ServerSentEvent(3).encode() == b"data: 3\n\n"


def test_event_bytes_data_is_utf8_text() -> None:
    assert ServerSentEvent("é".encode()).encode() == "data: é\n\n".encode()


def test_event_without_data_only_sets_fields() -> None:
    event = ServerSentEvent(id="42", retry=10)
    assert event.encode() == b"id: 42\nretry: 10\n\n"
    parser = Parser()
    assert parser.feed(event.encode()) == []
    assert parser.last_event_id == "42"


def test_event_multiline_comment() -> None:
    assert ServerSentEvent(comment="a\nb").encode() == b": a\n: b\n\n"
    assert parse(ServerSentEvent(comment="a\r\nb").encode()) == []


def test_event_int_id_is_text() -> None:
    assert ServerSentEvent("x", id=5).encode() == b"id: 5\ndata: x\n\n"


@pytest.mark.parametrize("bad_id", ["a\nb", "a\rb", "a\x00b"])
def test_event_id_with_line_break_or_nul_is_an_error(bad_id: str) -> None:
    with pytest.raises(ValueError, match="SSE id can't contain CR, LF or NUL"):
        ServerSentEvent("x", id=bad_id)


@pytest.mark.parametrize("bad_event", ["a\nb", "a\rb"])
def test_event_name_with_line_break_is_an_error(bad_event: str) -> None:
    with pytest.raises(ValueError, match="event name can't contain CR or LF"):
        ServerSentEvent("x", event=bad_event)


@pytest.mark.parametrize("bad_retry", [-1, 1.5, "10", True])
def test_event_retry_must_be_whole_milliseconds(bad_retry: object) -> None:
    with pytest.raises(ValueError, match="retry"):
        ServerSentEvent("x", retry=bad_retry)  # type: ignore[arg-type]


def test_event_repr_shows_fields() -> None:
    assert repr(ServerSentEvent("x", id="1")) == (
        "ServerSentEvent(data='x', event=None, id='1', retry=None, comment=None)"
    )


@given(text=st.text())
def test_event_data_round_trips_through_a_whatwg_parser(text: str) -> None:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    assert parse(ServerSentEvent(text).encode()) == [Event(normalised)]


@given(
    text=st.text(),
    event=st.text().filter(lambda value: "\r" not in value and "\n" not in value),
    event_id=st.text().filter(lambda value: not {"\r", "\n", "\0"} & set(value)),
)
def test_event_fields_round_trip_through_a_whatwg_parser(
    text: str, event: str, event_id: str
) -> None:
    encoded = ServerSentEvent(text, event=event, id=event_id).encode()
    (parsed,) = parse(encoded)
    assert parsed.type == (event or "message")
    assert parsed.last_event_id == event_id


@given(texts=st.lists(st.text(), max_size=5))
def test_event_sequence_round_trips_through_a_whatwg_parser(texts: list[str]) -> None:
    stream = b"".join(ServerSentEvent(text).encode() + HEARTBEAT for text in texts)
    parsed = parse(stream)
    assert [event.data for event in parsed] == [
        text.replace("\r\n", "\n").replace("\r", "\n") for text in texts
    ]


# ---------------------------------------------------------------- EventStreamResponse


def test_event_stream_headers() -> None:
    response = EventStreamResponse(iter(()))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in response
    assert response.status_code == 200


def test_event_stream_headers_and_status_can_be_given() -> None:
    response = EventStreamResponse(iter(()), headers={"Cache-Control": "no-store"}, status=201)
    assert response["Cache-Control"] == "no-store"
    assert response.status_code == 201


def test_event_stream_negative_heartbeat_is_an_error() -> None:
    with pytest.raises(ValueError, match="heartbeat"):
        EventStreamResponse(iter(()), heartbeat=-1)


def test_event_stream_sync_consumer_encodes_items() -> None:
    items = ["hi", {"n": 1}, ServerSentEvent("x", event="e"), b"data: raw\n\n"]
    chunks = list(EventStreamResponse(iter(items)).iter_chunks())
    assert chunks == [
        b"data: hi\n\n",
        b'data: {"n":1}\n\n',
        b"event: e\ndata: x\n\n",
        b"data: raw\n\n",
    ]


@pytest.mark.anyio
async def test_event_stream_async_source_without_heartbeat() -> None:
    async def events() -> AsyncIterator[object]:
        yield "a"
        yield ServerSentEvent("b", id="2")

    response = EventStreamResponse(events(), heartbeat=None)
    chunks = [chunk async for chunk in response.aiter_chunks()]
    assert parse(b"".join(chunks)) == [Event("a"), Event("b", last_event_id="2")]


@pytest.mark.anyio
async def test_event_stream_heartbeat_arrives_after_silence() -> None:
    async def events() -> AsyncIterator[str]:
        yield "first"
        await asyncio.sleep(0.3)
        yield "second"

    response = EventStreamResponse(events(), heartbeat=0.05)
    chunks = [chunk async for chunk in response.aiter_chunks()]
    assert chunks[0] == b"data: first\n\n"
    assert chunks[-1] == b"data: second\n\n"
    heartbeats = chunks[1:-1]
    assert len(heartbeats) >= 2
    assert set(heartbeats) == {HEARTBEAT}
    assert parse(b"".join(chunks)) == [Event("first"), Event("second")]


@pytest.mark.anyio
async def test_event_stream_heartbeat_does_not_cancel_the_producer() -> None:
    cancelled: list[bool] = []

    async def events() -> AsyncIterator[str]:
        try:
            await asyncio.sleep(0.2)  # several heartbeats elapse during this one await
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        yield "done"

    response = EventStreamResponse(events(), heartbeat=0.02)
    chunks = [chunk async for chunk in response.aiter_chunks()]
    assert chunks[-1] == b"data: done\n\n"
    assert chunks.count(HEARTBEAT) >= 3
    assert cancelled == []


@pytest.mark.anyio
async def test_event_stream_sync_source_with_heartbeat_runs_in_threads() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []
    release = threading.Event()

    def events() -> Iterator[str]:
        threads.append(threading.get_ident())
        release.wait(timeout=5)
        yield "slow"

    response = EventStreamResponse(events(), heartbeat=0.02)
    stream = response.aiter_chunks()
    assert await anext(stream) == HEARTBEAT
    release.set()
    rest = [chunk async for chunk in stream]
    assert rest[-1] == b"data: slow\n\n"
    assert threads
    assert loop_thread not in threads


@pytest.mark.anyio
async def test_event_stream_aclose_cancels_the_pending_step() -> None:
    finished: list[str] = []

    async def events() -> AsyncIterator[str]:
        try:
            yield "first"
            await asyncio.sleep(10)
            yield "never"
        finally:
            finished.append("closed")

    baseline = asyncio.all_tasks()
    response = EventStreamResponse(events(), heartbeat=0.02)
    stream = response.aiter_chunks()
    assert await anext(stream) == b"data: first\n\n"
    assert await anext(stream) == HEARTBEAT  # the producer is now waiting in a task
    await response.aclose()
    assert finished == ["closed"]
    assert response.closed
    assert asyncio.all_tasks() == baseline


@pytest.mark.anyio
async def test_event_stream_cancelled_consumer_leaves_no_task_behind() -> None:
    finished: list[str] = []

    async def events() -> AsyncIterator[str]:
        try:
            await asyncio.sleep(10)
            yield "never"
        finally:
            finished.append("closed")

    baseline = asyncio.all_tasks()
    response = EventStreamResponse(events(), heartbeat=0.02)

    async def consume() -> None:
        async for _ in response.aiter_chunks():
            pass

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0.1)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await response.aclose()
    assert finished == ["closed"]
    assert asyncio.all_tasks() == baseline


@pytest.mark.anyio
async def test_event_stream_producer_error_propagates() -> None:
    async def events() -> AsyncIterator[str]:
        yield "a"
        raise RuntimeError("producer failed")

    response = EventStreamResponse(events(), heartbeat=1)
    with pytest.raises(RuntimeError, match="producer failed"):
        async for _ in response.aiter_chunks():
            pass
    await response.aclose()


# ---------------------------------------------------------------- through both servers


def test_event_stream_sends_the_same_bytes_under_asgi_and_wsgi(both: ServeBoth) -> None:
    items: list[object] = [
        ServerSentEvent({"n": 1}, event="tick", id=1, retry=5000),
        ServerSentEvent("two\nlines", comment="note"),
        ServerSentEvent(None, id="3"),
        "plain",
    ]

    def sync_events(request: HttpRequest) -> EventStreamResponse:
        return EventStreamResponse(iter(items), heartbeat=None)

    async def async_events(request: HttpRequest) -> EventStreamResponse:
        async def source() -> AsyncIterator[object]:
            for item in items:
                await asyncio.sleep(0)
                yield item

        return EventStreamResponse(source(), heartbeat=None)

    pair = both(lambda: App([path("sync/", sync_events), path("async/", async_events)]))
    for url in ("/sync/", "/async/"):
        response = pair.get(url)
        assert response.headers["content-type"] == "text/event-stream"
        assert parse(response.body) == [
            Event('{"n":1}', type="tick", last_event_id="1"),
            Event("two\nlines", last_event_id="1"),
            Event("plain", last_event_id="3"),
        ]

"""Shut-down, in-process: event streams end when it begins, what outlives the grace is cut.

The app is driven by the test client, or, where the exact ASGI messages matter, by a
hand-made receive/send pair; `app.begin_shutdown()` and `app.drain()` are what
`legato.server.uvicorn.Server` calls when uvicorn is asked to stop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import pytest

from legato import App
from legato.handlers.shutdown import Cuts
from legato.http import (
    EventStreamResponse,
    HttpRequest,
    HttpResponse,
    ServerSentEvent,
    StreamingHttpResponse,
)
from legato.test import AsyncClient
from legato.urls import path, websocket
from legato.websocket import WebSocket

pytestmark = pytest.mark.anyio

Message = MutableMapping[str, Any]


class Exchange:
    """One request's ASGI side: a body that may never finish, and what the app sent."""

    def __init__(self, body: bytes = b"", *, complete: bool = True) -> None:
        self.body = body
        self.complete = complete
        self.sent: list[Message] = []
        self._delivered = False

    async def receive(self) -> Message:
        if not self._delivered:
            self._delivered = True
            return {"type": "http.request", "body": self.body, "more_body": not self.complete}
        await asyncio.Event().wait()  # the client neither sends more nor leaves
        raise AssertionError("unreachable")

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))

    def headers(self) -> dict[bytes, bytes]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return dict(start["headers"])

    def finished(self) -> bool:
        last = self.sent[-1] if self.sent else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)


def scope(
    target: str, method: str = "GET", headers: tuple[tuple[bytes, bytes], ...] = ()
) -> Message:
    route, _, query = target.partition("?")
    return {
        "type": "http",
        "method": method,
        "path": route,
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *headers],
        "server": ("testserver", 80),
    }


async def start(app: App, exchange: Exchange, route: str, **options: Any) -> asyncio.Task[None]:
    task = asyncio.create_task(app(scope(route, **options), exchange.receive, exchange.send))
    await asyncio.sleep(0.12)  # the view is running, and a watcher tick has seen it
    return task


def shutdown_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Shut-down")]


def stuck_app(events: list[str], **settings: Any) -> App:
    async def stuck(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(30)
        finally:
            events.append("view finally")
        return HttpResponse("never")

    async def upload(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"{len(request.body)} bytes")

    async def later(request: HttpRequest) -> HttpResponse:
        async def work() -> None:
            try:
                await asyncio.sleep(30)
            finally:
                events.append("work finally")

        request.after_response(work)
        return HttpResponse("answered")

    async def ticker(request: HttpRequest) -> StreamingHttpResponse:
        async def ticks() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"tick\n"
                    await asyncio.sleep(0.01)
            finally:
                events.append("ticker finally")

        response = StreamingHttpResponse(ticks())
        if request.GET.get("length"):
            response["Content-Length"] = "1000000"
        response.ends_at_shutdown = bool(request.GET.get("at_once"))
        return response

    return App(
        [
            path("stuck/", stuck),
            path("upload/", upload),
            path("later/", later),
            path("ticker/", ticker),
        ],
        allowed_hosts=["testserver"],
        **settings,
    )


# Requests cut when the grace period ends. ----------------------------------------------


async def test_view_outliving_the_grace_is_answered_503_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    app = stuck_app(events, shutdown_grace=0.1)
    exchange = Exchange()
    task = await start(app, exchange, "/stuck/")
    await app.drain()
    await task  # ends normally: no CancelledError for the server to report
    assert exchange.status() == 503
    assert exchange.headers()[b"retry-after"] == b"1"
    assert exchange.headers()[b"connection"] == b"close"
    assert events == ["view finally"]
    [line] = shutdown_lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.exc_info is None
    message = line.getMessage()
    assert message.startswith("Shut-down cut GET /stuck/ (request id ")
    assert re.search(r" after \d+\.\d s: answered 503\.$", message)  # how long it ran


async def test_request_still_sending_its_body_is_answered_503() -> None:
    app = stuck_app([], shutdown_grace=0.05)
    exchange = Exchange(b"partial", complete=False)
    headers = ((b"content-length", b"100"),)
    task = await start(app, exchange, "/upload/", method="POST", headers=headers)
    await app.drain()
    await task
    assert exchange.status() == 503


async def test_after_response_work_outliving_the_grace_is_cut_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    app = stuck_app(events, shutdown_grace=0.05)
    exchange = Exchange()
    task = await start(app, exchange, "/later/")
    assert exchange.status() == 200
    assert exchange.finished()
    await app.drain()
    await task
    assert events == ["work finally"]
    [line] = shutdown_lines(caplog)
    assert line.getMessage().endswith(": stopped its after-response work.")


async def test_plain_stream_gets_the_grace_then_ends_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    app = stuck_app(events, shutdown_grace=0.2)
    exchange = Exchange()
    task = await start(app, exchange, "/ticker/")
    await app.begin_shutdown()
    await asyncio.sleep(0.1)
    assert not task.done()  # a plain stream may be a download: it keeps its grace
    await app.drain()
    await task
    assert exchange.finished()  # the closing chunk: a clean end, not a cut connection
    assert events == ["ticker finally"]
    [line] = shutdown_lines(caplog)
    assert line.getMessage().endswith(": ended its stream.")


async def test_stream_with_a_content_length_is_left_short_when_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = stuck_app([], shutdown_grace=0.05)
    exchange = Exchange()
    task = await start(app, exchange, "/ticker/?length=1")
    await app.drain()
    await task
    # Ending it would pass a short body off as complete; the server closes it instead.
    assert not exchange.finished()
    [line] = shutdown_lines(caplog)
    assert line.getMessage().endswith(": left its body short of its Content-Length.")


async def test_stream_that_ends_at_shutdown_ends_when_it_begins() -> None:
    events: list[str] = []
    app = stuck_app(events, shutdown_grace=30)
    exchange = Exchange()
    task = await start(app, exchange, "/ticker/?at_once=1")
    await app.begin_shutdown()
    await asyncio.wait_for(task, timeout=1)
    assert exchange.finished()
    assert events == ["ticker finally"]


# Cancellations Legato did not make. -----------------------------------------------------


async def test_a_cancellation_from_elsewhere_still_propagates() -> None:
    events: list[str] = []
    app = stuck_app(events)
    exchange = Exchange()
    task = await start(app, exchange, "/stuck/")
    task.cancel()  # an outer wrapper, a timeout, the server
    with pytest.raises(asyncio.CancelledError):
        await task
    assert exchange.sent == []


async def test_a_cancellation_from_elsewhere_wins_over_a_cut() -> None:
    app = stuck_app([])
    exchange = Exchange()
    task = await start(app, exchange, "/stuck/")
    app.build().shutdown.cuts.cut(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert exchange.sent == []


async def test_a_cancellation_from_elsewhere_propagates_from_a_stream_during_shutdown() -> None:
    app = stuck_app([], shutdown_grace=30)
    exchange = Exchange()
    task = await start(app, exchange, "/ticker/")
    await app.begin_shutdown()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cuts_claim_only_their_own_cancellations() -> None:
    cuts = Cuts()

    async def sleeper() -> None:
        await asyncio.sleep(30)

    alone = asyncio.create_task(sleeper())
    shared = asyncio.create_task(sleeper())
    other = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    cuts.cut(alone)
    cuts.cut(shared)
    shared.cancel()
    other.cancel()
    assert cuts.claims(alone)
    assert alone.cancelling() == 0
    assert not cuts.claims(shared)
    assert shared.cancelling() == 1
    assert not cuts.claims(other)
    assert other.cancelling() == 1
    assert not cuts.claims(alone)  # asked once
    await asyncio.wait({alone, shared, other})


# Event streams end as soon as shut-down begins. -----------------------------------------


def event_stream_app(closed: list[str], **options: Any) -> App:
    async def clock(request: HttpRequest) -> EventStreamResponse:
        async def ticks() -> AsyncIterator[dict[str, int]]:
            try:
                n = 0
                while True:
                    n += 1
                    yield {"n": n}
                    await asyncio.sleep(0.01)
            finally:
                closed.append("ticks finally")

        return EventStreamResponse(ticks(), **options)

    return App([path("clock/", clock)], shutdown_grace=30)


async def test_event_stream_ends_with_a_reconnect_hint_when_shutdown_begins() -> None:
    closed: list[str] = []
    app = event_stream_app(closed)
    async with AsyncClient(app) as client, client.stream("GET", "/clock/") as response:
        chunks = response.aiter_chunks()
        assert (await anext(chunks)).startswith(b"data: ")
        await app.begin_shutdown()
        async with asyncio.timeout(1):  # not the 30 s grace
            rest = b"".join([chunk async for chunk in chunks])
    assert rest.endswith(b": the server is shutting down; reconnect\nretry: 1000\n\n")
    assert closed == ["ticks finally"]


async def test_event_stream_starting_after_shutdown_began_ends_at_once() -> None:
    release = asyncio.Event()

    async def slow_to_start(request: HttpRequest) -> EventStreamResponse:
        await release.wait()  # shut-down begins while the view runs

        async def ticks() -> AsyncIterator[str]:
            while True:
                yield "tick"
                await asyncio.sleep(0.01)

        return EventStreamResponse(ticks())

    app = App([path("late/", slow_to_start)], shutdown_grace=30)
    async with AsyncClient(app) as client:
        pending = asyncio.create_task(client.get("/late/"))
        await asyncio.sleep(0.05)
        await app.begin_shutdown()
        release.set()
        async with asyncio.timeout(1):
            response = await pending
    assert response.status_code == 200
    assert response.content.endswith(b"retry: 1000\n\n")


async def test_event_stream_sends_the_shutdown_event_the_app_chose() -> None:
    goodbye = ServerSentEvent("restarting", event="shutdown", retry=250)
    app = event_stream_app([], shutdown_event=goodbye)
    async with AsyncClient(app) as client, client.stream("GET", "/clock/") as response:
        events = response.aiter_events()
        assert (await anext(events)).data == '{"n":1}'
        await app.begin_shutdown()
        async with asyncio.timeout(1):
            seen = [event async for event in events]
    assert (seen[-1].event, seen[-1].data, seen[-1].retry) == ("shutdown", "restarting", 250)


async def test_event_stream_with_no_shutdown_event_just_ends() -> None:
    app = event_stream_app([], shutdown_event=None, heartbeat=None)
    async with AsyncClient(app) as client, client.stream("GET", "/clock/") as response:
        chunks = response.aiter_chunks()
        await anext(chunks)
        await app.begin_shutdown()
        async with asyncio.timeout(1):
            rest = [chunk async for chunk in chunks]
    assert all(chunk.startswith(b"data: ") for chunk in rest)


async def test_new_requests_during_shutdown_are_refused_with_503() -> None:
    app = event_stream_app([])
    async with AsyncClient(app) as client:
        await app.begin_shutdown()
        refused = await client.get("/clock/")
    assert refused.status_code == 503
    assert (refused["Retry-After"], refused["Connection"]) == ("1", "close")


# What the app's own code sees. ----------------------------------------------------------


async def test_a_generator_can_end_itself_when_shutdown_begins() -> None:
    async def feed(request: HttpRequest) -> StreamingHttpResponse:
        shutting_down = request.state.shutting_down

        async def lines() -> AsyncIterator[str]:
            while not shutting_down.is_set():
                yield "line\n"
                await asyncio.sleep(0.01)
            yield "goodbye\n"

        return StreamingHttpResponse(lines())

    app = App([path("feed/", feed)], shutdown_grace=30)
    async with AsyncClient(app) as client, client.stream("GET", "/feed/") as response:
        chunks = response.aiter_chunks()
        assert await anext(chunks) == b"line\n"
        assert not app.shutting_down.is_set()
        await app.begin_shutdown()
        async with asyncio.timeout(1):
            rest = [chunk async for chunk in chunks]
    assert rest[-1] == b"goodbye\n"


async def test_drain_runs_once_and_shutdown_reuses_it() -> None:
    events: list[str] = []
    app = stuck_app(events, shutdown_grace=0.05)
    exchange = Exchange()
    task = await start(app, exchange, "/stuck/")
    await asyncio.gather(app.drain(), app.drain())
    await app.shutdown()  # drained already: no second grace, no second cut
    await task
    assert events == ["view finally"]


# Websockets. ------------------------------------------------------------------------


def socket_app(events: list[str]) -> App:
    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        async for message in ws:
            await ws.send_text(str(message))

    async def deaf(ws: WebSocket) -> None:
        await ws.accept()
        try:
            await asyncio.sleep(30)  # never reads, so never hears the close
        finally:
            events.append("deaf finally")

    return App([websocket("echo/", echo), websocket("deaf/", deaf)], shutdown_grace=0.05)


async def test_websockets_get_1001_when_shutdown_begins() -> None:
    app = socket_app([])
    async with AsyncClient(app) as client, client.websocket("/echo/") as ws:
        await ws.send_text("hi")
        assert await ws.receive_text() == "hi"
        await app.begin_shutdown()
        message = await ws.receive()
    assert (message["type"], message["code"]) == ("websocket.close", 1001)


async def test_websocket_handler_outliving_the_grace_is_cut_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    app = socket_app(events)
    async with AsyncClient(app) as client, client.websocket("/deaf/") as ws:
        await app.drain()
        assert (await ws.receive())["code"] == 1001
    assert events == ["deaf finally"]
    [line] = shutdown_lines(caplog)
    assert "websocket handler for /deaf/" in line.getMessage()
    assert line.exc_info is None


async def test_websocket_handler_cancelled_from_elsewhere_while_draining_propagates() -> None:
    app = socket_app([])
    async with AsyncClient(app) as client:
        ws = client.websocket("/deaf/")
        session = await ws.__aenter__()
        handlers = app._build_websockets()
        await handlers.begin_shutdown()
        [task] = handlers.open.values()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await session.close()


async def test_shutdown_waits_for_in_flight_requests_within_the_grace() -> None:
    finished: list[str] = []

    async def slow(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0.2)
        finished.append("slow")
        return HttpResponse("done")

    app = App([path("", slow)], shutdown_grace=2)
    client = AsyncClient(app)
    pending = asyncio.create_task(client.get("/"))
    await asyncio.sleep(0.05)
    await client.aclose()  # runs the app's shut-down while the request is in flight
    assert (await pending).text == "done"
    assert finished == ["slow"]


async def test_shutdown_cuts_what_outlives_the_grace_with_503_and_refuses_new_requests() -> None:
    cancelled: list[bool] = []

    async def stuck(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return HttpResponse()

    app = App([path("", stuck)], shutdown_grace=0.1)
    client = AsyncClient(app)
    pending = asyncio.create_task(client.get("/"))
    await asyncio.sleep(0.05)
    shutdown = asyncio.create_task(app.shutdown())
    await asyncio.sleep(0.01)
    late = await AsyncClient(app, lifespan=False).get("/")
    assert late.status_code == 503
    await shutdown
    cut = await pending
    assert cut.status_code == 503
    assert (cut["Retry-After"], cut["Connection"]) == ("1", "close")
    assert cancelled == [True]

"""A client that leaves cancels its request; one that stays costs no watcher task.

Requests go straight into the app's ASGI callable with a `receive` that behaves like
uvicorn's: the body once, then `http.disconnect` when the test says the client left.
Watchers start on a timer tick, so a test that needs one waits `WATCHED` first.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Coroutine, MutableMapping
from typing import Any

import pytest

from legato import App
from legato.handlers.disconnect import WATCH_INTERVAL
from legato.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from legato.urls import path

# Long enough for a view that is running to have been seen by a tick.
WATCHED = WATCH_INTERVAL * 2.5


class Client:
    """One request's ASGI side: what the app sent, and a switch for leaving."""

    def __init__(self) -> None:
        self.left = asyncio.Event()
        self.sent: list[MutableMapping[str, Any]] = []
        self._delivered = False

    async def receive(self) -> dict[str, Any]:
        if not self._delivered:
            self._delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self.left.set()  # uvicorn reports a disconnect once the response is complete


def scope(route: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": route,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
    }


def make_app(events: list[str]) -> App:
    async def slow(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return JsonResponse({"slept": True})

    async def stubborn(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("swallowed")  # answers anyway: nobody is there to read it
        return JsonResponse({"stubborn": True})

    async def fast(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"fast": True})

    return App(
        [path("slow/", slow), path("stubborn/", stubborn), path("fast/", fast)],
        allowed_hosts=["testserver"],
    )


async def run_request(app: App, route: str, client: Client) -> asyncio.Task[None]:
    coroutine: Coroutine[Any, Any, None] = app(scope(route), client.receive, client.send)
    return asyncio.get_running_loop().create_task(coroutine)


@pytest.mark.anyio
async def test_client_leaving_cancels_the_view_and_ends_the_request_quietly() -> None:
    events: list[str] = []
    app = make_app(events)
    client = Client()
    task = await run_request(app, "/slow/", client)
    await asyncio.sleep(0.01)  # the view is awaiting its sleep
    client.left.set()
    await asyncio.wait_for(task, 2)
    assert events == ["cancelled"]
    assert client.sent == []  # nobody to answer
    assert not task.cancelled()  # the handler ended normally, not with CancelledError


@pytest.mark.anyio
async def test_fast_requests_start_no_watcher_task() -> None:
    app = make_app([])
    loop = asyncio.get_running_loop()
    created: list[Coroutine[Any, Any, Any]] = []

    def counting_factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        created.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    await asyncio.wait_for(await run_request(app, "/fast/", Client()), 2)  # builds the app
    loop.set_task_factory(counting_factory)
    try:
        for _ in range(20):
            client = Client()
            await app(scope("/fast/"), client.receive, client.send)
            await asyncio.sleep(0)  # a loop turn, where a watcher would have started
            assert client.sent[0]["status"] == 200
    finally:
        loop.set_task_factory(None)
    assert created == []


@pytest.mark.anyio
async def test_slow_request_watcher_ends_with_the_response() -> None:
    app = make_app([])
    client = Client()
    task = await run_request(app, "/stubborn/", client)
    await asyncio.sleep(WATCHED)
    before = len(asyncio.all_tasks())  # this test, the request, its watcher
    task.cancel()  # not the client: the server (a shut-down), so it must propagate
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before - 2


@pytest.mark.anyio
async def test_view_that_swallows_cancellation_leaves_nothing_behind() -> None:
    events: list[str] = []
    app = make_app(events)
    client = Client()
    task = await run_request(app, "/stubborn/", client)
    await asyncio.sleep(WATCHED)
    client.left.set()
    await asyncio.wait_for(task, 2)
    assert events == ["swallowed"]
    reference = weakref.ref(task)
    del task
    await asyncio.sleep(0)
    gc.collect()
    assert reference() is None  # no registry of the handler still holds the request


@pytest.mark.anyio
async def test_client_leaving_before_the_first_tick_is_noticed_on_it() -> None:
    events: list[str] = []
    app = make_app(events)
    client = Client()
    task = await run_request(app, "/slow/", client)
    await asyncio.sleep(0)  # the view has started; no tick yet
    client.left.set()
    await asyncio.wait_for(task, WATCHED * 4)
    assert events == ["cancelled"]


@pytest.mark.anyio
async def test_timer_stops_when_no_request_is_in_flight() -> None:
    app = make_app([])
    client = Client()
    await run_request(app, "/slow/", client)
    await asyncio.sleep(WATCHED)
    loop = asyncio.get_running_loop()
    watcher = app.build().disconnects
    assert loop in watcher._ticking
    client.left.set()
    await asyncio.sleep(WATCHED)
    assert watcher.in_flight == {}
    assert loop not in watcher._ticking  # an idle app schedules nothing


@pytest.mark.anyio
async def test_send_failing_mid_stream_closes_the_stream_and_ends_quietly() -> None:
    closed: list[int] = []

    async def numbers() -> Any:
        sent = 0
        try:
            while True:
                yield f"{sent};"
                sent += 1
        finally:
            closed.append(sent)

    async def stream(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(numbers())

    app = App([path("stream/", stream)], allowed_hosts=["testserver"])
    client = Client()
    messages = 0

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal messages
        messages += 1
        if messages > 3:  # the connection closed after the start and two chunks
            raise OSError("connection closed")  # what the ASGI spec asks of servers

    await asyncio.wait_for(app(scope("/stream/"), client.receive, send), 2)
    assert len(closed) == 1
    assert closed[0] >= 2

"""A client that leaves cancels its request; one that stays costs no watcher task.

Requests go straight into the app's ASGI callable with a `receive` that behaves like
uvicorn's: the body once, then `http.disconnect` when the test says the client left.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Coroutine, MutableMapping
from typing import Any

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.urls import path


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
    await asyncio.sleep(0.01)
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
    await asyncio.sleep(0.01)
    client.left.set()
    await asyncio.wait_for(task, 2)
    assert events == ["swallowed"]
    reference = weakref.ref(task)
    del task
    await asyncio.sleep(0)
    gc.collect()
    assert reference() is None  # no registry of the handler still holds the request

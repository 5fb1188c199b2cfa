"""Start-up and shut-down: their order, the ASGI lifespan messages, and failures named.

Most tests speak the lifespan protocol to the app directly, as a server does; the state
test runs through ASGI and WSGI at once (tests/parity.py), since WSGI runs the same
lifespan on its own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from legato import App
from legato.context import current_app, get_current_app
from legato.http import HttpRequest, JsonResponse
from legato.test import Client
from legato.urls import path
from tests.parity import ServeBoth


class Server:
    """The server's side of one lifespan: it sends startup/shutdown and reads the replies."""

    def __init__(self, app: App) -> None:
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self.task = asyncio.create_task(app(scope, self._to_app.get, self._from_app.put))

    async def send(self, message_type: str) -> dict[str, Any]:
        await self._to_app.put({"type": message_type})
        return await asyncio.wait_for(self._from_app.get(), 5)


def recording_lifespan(events: list[str]) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, str]]:
        events.append("enter")
        yield {"pool": "the pool"}
        events.append("exit")

    return lifespan


@pytest.mark.anyio
async def test_startup_enters_the_lifespan_then_runs_hooks_and_shutdown_unwinds() -> None:
    events: list[str] = []

    async def async_hook() -> None:
        events.append("async startup")

    app = App(
        lifespan=recording_lifespan(events),
        on_startup=[async_hook, lambda: events.append("sync startup")],
        on_shutdown=[lambda: events.append("shutdown")],
    )
    server = Server(app)
    assert await server.send("lifespan.startup") == {"type": "lifespan.startup.complete"}
    assert events == ["enter", "async startup", "sync startup"]
    assert await server.send("lifespan.shutdown") == {"type": "lifespan.shutdown.complete"}
    assert events == ["enter", "async startup", "sync startup", "shutdown", "exit"]
    await server.task


@pytest.mark.anyio
async def test_lifespan_state_reaches_the_app_and_the_servers_state() -> None:
    app = App(lifespan=recording_lifespan([]))
    server = Server(app)
    await server.send("lifespan.startup")
    assert app.state.pool == "the pool"
    assert server.state["pool"] == "the pool"  # copied by servers into each request's scope
    await server.send("lifespan.shutdown")
    await server.task


@pytest.mark.anyio
async def test_a_failing_startup_hook_is_reported_by_name() -> None:
    def connect_to_database() -> None:
        raise ConnectionError("refused")

    server = Server(App(on_startup=[connect_to_database]))
    reply = await server.send("lifespan.startup")
    assert reply["type"] == "lifespan.startup.failed"
    assert "connect_to_database failed: ConnectionError: refused" in reply["message"]
    await server.task


@pytest.mark.anyio
async def test_a_failing_shutdown_hook_is_reported_and_the_lifespan_still_exits() -> None:
    events: list[str] = []

    def flush() -> None:
        raise OSError("disk full")

    server = Server(App(lifespan=recording_lifespan(events), on_shutdown=[flush]))
    await server.send("lifespan.startup")
    reply = await server.send("lifespan.shutdown")
    assert reply == {"type": "lifespan.shutdown.failed", "message": "OSError: disk full"}
    assert events == ["enter", "exit"]
    await server.task


@pytest.mark.anyio
async def test_a_sync_hook_that_returns_a_coroutine_is_awaited() -> None:
    events: list[str] = []

    async def warm_cache() -> None:
        events.append("warmed")

    server = Server(App(on_startup=[lambda: warm_cache()]))
    assert await server.send("lifespan.startup") == {"type": "lifespan.startup.complete"}
    assert events == ["warmed"]
    await server.send("lifespan.shutdown")
    await server.task


def test_lifespan_state_is_on_app_and_request(both: ServeBoth) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, object]]:
        yield {"pool": "the pool", "answer": 42}

    async def view(request: HttpRequest) -> JsonResponse:
        request.state.per_request = True  # a copy: never leaks into the next request
        return JsonResponse({"pool": request.state.pool, "answer": request.state.answer})

    async def other(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"leaked": hasattr(request.state, "per_request")})

    pair = both(lambda: App([path("", view), path("other/", other)], lifespan=lifespan))
    assert pair.get("/").text == '{"pool":"the pool","answer":42}'
    assert pair.get("/other/").text == '{"leaked":false}'


def test_hooks_find_their_app_as_request_code_does() -> None:
    seen: list[tuple[str, object]] = []

    async def async_start() -> None:
        seen.append(("async start", get_current_app()))

    def sync_start() -> None:
        seen.append(("sync start", get_current_app()))

    async def stop() -> None:
        seen.append(("stop", get_current_app()))

    app = App(on_startup=[async_start, sync_start], on_shutdown=[stop])
    with Client(app):
        pass
    assert seen == [("async start", app), ("sync start", app), ("stop", app)]
    assert current_app.get() is None

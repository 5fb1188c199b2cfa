"""One upstream call: its JSON, or a Missing part saying why, never an exception."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Coroutine

import httpx
import pytest

from examples.aggregator.fetch import Found, Missing, fetch_json

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


async def fetch_with(handler: Handler, deadline: float = 1.0) -> Found | Missing:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await fetch_json(client, "http://upstream.test/api/", deadline)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


@pytest.mark.anyio
async def test_json_body_is_found() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sky": "clear"})

    assert await fetch_with(handler) == Found({"sky": "clear"})


@pytest.mark.anyio
async def test_error_status_is_missing_with_the_status() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": "down"})

    assert await fetch_with(handler) == Missing("http_error", "HTTP 503 Service Unavailable")


@pytest.mark.anyio
async def test_body_that_is_not_json_is_missing_as_invalid_json() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>oops</html>", headers={"content-type": "text/html"})

    part = await fetch_with(handler)
    assert isinstance(part, Missing)
    assert part.reason == "invalid_json"
    assert "(text/html) is not JSON" in part.detail


@pytest.mark.anyio
async def test_slow_upstream_is_cut_at_the_deadline() -> None:
    cancelled = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return httpx.Response(200, json={})

    started = time.monotonic()
    assert await fetch_with(handler, deadline=0.1) == Missing("timeout", "No answer within 0.1 s.")
    assert time.monotonic() - started < 1
    assert cancelled.is_set()


@pytest.mark.anyio
async def test_httpx_timeouts_count_as_timeouts() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    part = await fetch_with(handler)
    assert isinstance(part, Missing)
    assert part.reason == "timeout"


@pytest.mark.anyio
async def test_refused_connection_is_missing_as_connection_refused() -> None:
    async with httpx.AsyncClient() as client:
        part = await fetch_json(client, f"http://127.0.0.1:{closed_port()}/", 2.0)
    assert isinstance(part, Missing)
    assert part.reason == "connection_refused"
    assert part.detail.startswith("Connection refused")


@pytest.mark.anyio
async def test_other_connect_failures_are_missing_as_connection_failed() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("name does not resolve", request=request)

    part = await fetch_with(handler)
    assert part == Missing("connection_failed", "Could not connect: name does not resolve")


@pytest.mark.anyio
async def test_broken_connection_is_missing_as_transport_error() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    part = await fetch_with(handler)
    assert isinstance(part, Missing)
    assert part.reason == "transport_error"
    assert "RemoteProtocolError: Server disconnected" in part.detail


@pytest.mark.anyio
async def test_cancellation_from_outside_propagates() -> None:
    entered = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.set()
        await asyncio.sleep(10)
        return httpx.Response(200, json={})

    task = asyncio.create_task(fetch_with(handler, deadline=5))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

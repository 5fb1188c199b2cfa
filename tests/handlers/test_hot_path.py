"""Count the OS threads started and the sync-to-async hops made per request (issue 5).

Requests go straight into the app's ASGI entry point (no test client, whose own loop
thread would be counted). After one warm-up request builds the app, the counters
instrument `threading.Thread.start`, the two ways into the app's thread pool
(`PoolCall.__call__`, what `ThreadPool.wrap` returns, and `ThreadPool.run`), asgiref's
`SyncToAsync.__call__` (`sync_to_async`) and `ThreadPoolExecutor.submit` (any other way
into a pool, such as `run_in_executor`). The controls, a sync view and a sync middleware,
show that the counters do see a hop when there is one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import SyncToAsync

from legato import App
from legato.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from legato.middleware import DEFAULT_MIDDLEWARE, Middleware
from legato.sync import PoolCall, ThreadPool
from legato.urls import path

REQUESTS = 50
GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


@dataclass
class Counts:
    threads_started: int = 0
    pool_hops: int = 0
    sync_to_async_hops: int = 0
    executor_submissions: int = 0


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    counts = Counts()
    start = threading.Thread.start
    pool_call = PoolCall.__call__
    pool_run = ThreadPool.run
    sync_to_async_call = SyncToAsync.__call__
    submit = ThreadPoolExecutor.submit

    def counted_start(self: threading.Thread) -> None:
        counts.threads_started += 1
        start(self)

    def counted_pool_call(self: PoolCall[Any, Any], *args: Any, **kwargs: Any) -> Any:
        counts.pool_hops += 1
        return pool_call(self, *args, **kwargs)

    async def counted_pool_run(self: ThreadPool, func: Callable[[], Any]) -> Any:
        counts.pool_hops += 1
        return await pool_run(self, func)

    async def counted_sync_to_async(self: SyncToAsync[Any, Any], *args: Any, **kwargs: Any) -> Any:
        counts.sync_to_async_hops += 1
        return await sync_to_async_call(self, *args, **kwargs)

    def counted_submit(
        self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        counts.executor_submissions += 1
        return submit(self, fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(threading.Thread, "start", counted_start)
        patch.setattr(PoolCall, "__call__", counted_pool_call)
        patch.setattr(ThreadPool, "run", counted_pool_run)
        patch.setattr(SyncToAsync, "__call__", counted_sync_to_async)
        patch.setattr(ThreadPoolExecutor, "submit", counted_submit)
        yield counts


async def item(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse({"pk": pk, "q": request.GET.get("q")})


def sync_item(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse({"pk": pk, "q": request.GET.get("q")})


def header_middleware(get_response: GetResponse) -> GetResponse:
    async def middleware(request: HttpRequest) -> HttpResponseBase:
        response = await get_response(request)
        response["X-Async-Middleware"] = "1"
        return response

    return middleware


header_middleware.async_capable = True  # type: ignore[attr-defined]
header_middleware.sync_capable = False  # type: ignore[attr-defined]


class HookMiddleware:
    """Class-based, async, with the `process_view` and `process_exception` hooks."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return await self.get_response(request)

    async def process_view(self, request: HttpRequest, *args: Any) -> None:
        return None

    async def process_exception(self, request: HttpRequest, exc: Exception) -> None:
        return None


class SyncMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)


def scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"hot-path-test")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def get(app: App, path: str, query: bytes = b"q=x") -> int:
    """Send one GET the way uvicorn does: the body once, then `http.disconnect` only
    after the response is complete (a watcher waiting on `receive()` blocks until then)."""
    sent: list[MutableMapping[str, Any]] = []
    answered = asyncio.Event()
    body_delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal body_delivered
        if not body_delivered:
            body_delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(scope(path, query), receive, send)
    return int(sent[0]["status"])


def count_requests(app: App, monkeypatch: pytest.MonkeyPatch) -> Counts:
    async def serve() -> Counts:
        assert await get(app, "/items/7/") == 200  # builds the app; not counted
        with counting(monkeypatch) as counts:
            statuses = [await get(app, f"/items/{n}/") for n in range(REQUESTS)]
        assert statuses == [200] * REQUESTS
        return counts

    try:
        return asyncio.run(serve())
    finally:
        app.thread_pool.shutdown()


def test_async_view_behind_async_middleware_starts_no_thread_and_makes_no_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App([path("items/<int:pk>/", item)], middleware=[header_middleware, HookMiddleware])

    counts = count_requests(app, monkeypatch)

    assert counts == Counts()


def test_async_view_without_middleware_starts_no_thread_and_makes_no_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = count_requests(App([path("items/<int:pk>/", item)]), monkeypatch)

    assert counts == Counts()


def test_sync_view_makes_one_hop_per_request_in_a_bounded_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App([path("items/<int:pk>/", sync_item)], middleware=[header_middleware])

    counts = count_requests(app, monkeypatch)

    assert counts.pool_hops == REQUESTS
    assert (counts.sync_to_async_hops, counts.executor_submissions) == (0, 0)
    assert counts.threads_started <= app.thread_pool.size


def test_sync_middleware_makes_one_hop_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App([path("items/<int:pk>/", item)], middleware=[SyncMiddleware])

    counts = count_requests(app, monkeypatch)

    assert counts.pool_hops == REQUESTS
    assert (counts.sync_to_async_hops, counts.executor_submissions) == (0, 0)
    assert counts.threads_started <= app.thread_pool.size


def test_async_view_behind_the_default_stack_starts_no_thread_and_makes_no_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App([path("items/<int:pk>/", item)], middleware=list(DEFAULT_MIDDLEWARE))

    counts = count_requests(app, monkeypatch)

    assert counts == Counts()


class BlockingHooks(Middleware):
    """Sync hooks not marked nonblocking: each runs in the pool."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        return response


def test_sync_hook_not_marked_nonblocking_makes_one_hop_per_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App([path("items/<int:pk>/", item)], middleware=[BlockingHooks])

    counts = count_requests(app, monkeypatch)

    assert counts.pool_hops == REQUESTS
    assert (counts.sync_to_async_hops, counts.executor_submissions) == (0, 0)

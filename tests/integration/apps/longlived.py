"""An app with long-lived views, served by uvicorn in the integration tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator

from legato import App
from legato.http import (
    EventStreamResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from legato.urls import path

counters: Counter[str] = Counter()
release_async = asyncio.Event()
release_sync = threading.Event()


async def sleepy(request: HttpRequest, seconds: int) -> HttpResponse:
    counters["started"] += 1
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        counters["cancelled"] += 1
        raise
    finally:
        counters["finally"] += 1
    counters["finished"] += 1
    return HttpResponse(f"slept {seconds}")


async def fast(request: HttpRequest) -> HttpResponse:
    return HttpResponse("fast")


async def counts(request: HttpRequest) -> JsonResponse:
    return JsonResponse({**counters, "tasks": len(asyncio.all_tasks())})


async def reset(request: HttpRequest) -> HttpResponse:
    counters.clear()
    release_async.clear()
    release_sync.clear()
    return HttpResponse("reset")


async def release(request: HttpRequest) -> HttpResponse:
    release_async.set()
    release_sync.set()
    return HttpResponse("released")


async def gated_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first\n"
        await release_async.wait()  # the second chunk only exists once the test says so
        yield b"second\n"

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def gated_sync_stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        yield b"first\n"
        release_sync.wait(timeout=10)
        yield b"second\n"

    return StreamingHttpResponse(chunks(), content_type="text/plain")


async def clock(request: HttpRequest) -> EventStreamResponse:
    async def ticks() -> AsyncIterator[dict[str, float]]:
        counters["clock open"] += 1
        try:
            while True:
                yield {"time": time.time()}
                await asyncio.sleep(0.05)
        finally:
            counters["clock closed"] += 1

    return EventStreamResponse(ticks(), heartbeat=1.0)


async def quiet_events(request: HttpRequest) -> EventStreamResponse:
    async def nothing_yet() -> AsyncIterator[str]:
        counters["events open"] += 1
        try:
            await asyncio.Event().wait()  # an event that never comes: heartbeats only
            yield "never"
        finally:
            counters["events closed"] += 1

    return EventStreamResponse(nothing_yet(), heartbeat=15.0)


async def later(request: HttpRequest) -> HttpResponse:
    async def record() -> None:
        await asyncio.sleep(0.1)
        counters["after response"] += 1

    def broken() -> None:
        raise RuntimeError("after-response failure is only logged")

    request.after_response(broken)
    request.after_response(record)
    return HttpResponse("answered first")


app = App(
    [
        path("sleep/<int:seconds>/", sleepy),
        path("fast/", fast),
        path("counts/", counts),
        path("reset/", reset),
        path("release/", release),
        path("stream/", gated_stream),
        path("stream-sync/", gated_sync_stream),
        path("clock/", clock),
        path("events/", quiet_events),
        path("later/", later),
    ],
)

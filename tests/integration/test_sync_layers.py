"""Sync code above async code never caps how many requests are served (real servers).

A Django-style sync middleware holds a thread while the async view beneath it awaits;
that thread must not hold one of the pool's places, or one legacy middleware turns an
async app into a `thread_pool_size`-requests-at-a-time app.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.servers import SERVERS, gunicorn_process, legato_server, server_options

pytestmark = pytest.mark.integration

SECONDS = 2.0
POOL_OF_SIX = {"LEGATO_THREAD_POOL_SIZE": "6"}


async def get(base_url: str, target: str) -> tuple[int, bytes]:
    """One GET on its own connection, with asyncio streams: a client light enough that
    200 of them at once measure the server, not the client."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        answer = await reader.read()
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


async def burst(base_url: str, route: str, count: int) -> tuple[float, list[int], int]:
    """Send `count` requests at once; also ask for the thread count one second in."""

    async def threads_meanwhile() -> int:
        await asyncio.sleep(1.0)
        return int(json.loads((await get(base_url, "/threads/"))[1])["threads"])

    target = f"{route}?seconds={SECONDS}"
    started = time.monotonic()
    answers, threads = await asyncio.gather(
        asyncio.gather(*(get(base_url, target) for _ in range(count))), threads_meanwhile()
    )
    return time.monotonic() - started, [status for status, _ in answers], threads


@pytest.fixture(scope="module", params=SERVERS)
def uvicorn_url(request: pytest.FixtureRequest) -> Iterator[str]:
    # Six threads, what the old default gave on two cores, and what capped the app.
    # (Named for the ASGI server; granian serves the same tests.)
    options = server_options(request.param)
    target = "tests.integration.apps.sync_layers:app"
    with legato_server(target, *options, env=POOL_OF_SIX) as url:
        yield url


# /sleep/: sync middleware -> async view. /bridged/: sync middleware -> sync view calling
# async_to_sync, which waits on two threads per request (middleware and view).
@pytest.mark.parametrize(("route", "count"), [("/sleep/", 200), ("/bridged/", 200)])
def test_requests_through_a_sync_middleware_overlap_on_uvicorn(
    uvicorn_url: str, route: str, count: int
) -> None:
    before = httpx.get(uvicorn_url + "/threads/").json()["threads"]
    elapsed, statuses, threads = asyncio.run(burst(uvicorn_url, route, count))
    assert statuses == [200] * count
    assert elapsed < SECONDS + 1.0, f"{count} requests of {SECONDS} s took {elapsed:.2f} s"
    print(f"{route}: {count} requests in {elapsed:.2f} s, threads {before} -> {threads}")
    # The threads that waited end once their requests are answered.
    for _ in range(50):
        after = httpx.get(uvicorn_url + "/threads/").json()["threads"]
        if after <= before + 8:
            break
        time.sleep(0.1)
    assert after <= before + 8


@pytest.fixture(scope="module")
def gthread_url() -> Iterator[str]:
    target = "tests.integration.apps.sync_layers:application"
    options = ("--worker-class", "gthread", "--threads", "16")
    with gunicorn_process(target, *options, env=POOL_OF_SIX) as (url, _):
        yield url


def test_16_requests_through_async_and_sync_middleware_overlap_on_gthread(
    gthread_url: str,
) -> None:
    # 15 plus the thread count probe: gthread's 16 threads, all busy at once.
    elapsed, statuses, _ = asyncio.run(burst(gthread_url, "/sleep/", 15))
    assert statuses == [200] * 15
    assert elapsed < SECONDS + 1.0, f"15 requests of {SECONDS} s took {elapsed:.2f} s"

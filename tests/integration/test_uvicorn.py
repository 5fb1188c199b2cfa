"""The seed examples on a real uvicorn process, with real concurrency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.servers import SERVERS, legato_server, server_options

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    # 25 pool threads: 50 sleeping sync views need exactly two rounds.
    env = {"LEGATO_THREAD_POOL_SIZE": "25"}
    options = server_options(request.param)
    with legato_server("examples.showcase.app:app", *options, env=env) as url:
        yield url


def test_seed_views_answer(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.get("/seeds/hello/").text == "Hello, async!"
        assert client.get("/seeds/mi-vista/").json() == {"mensaje": "Hola, mundo asíncrono!"}
        assert client.get("/").status_code == 200
        assert client.get("/seeds/hello").status_code == 301
        assert client.get("/missing/").status_code == 404


def test_the_default_middleware_stack_guards_the_demo(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        page = client.get("/")
        same_site = client.post(
            "/seeds/greeting/",
            json={"name": "Ada"},
            headers={"Sec-Fetch-Site": "same-origin", "Origin": base_url},
        )
        cross_site = client.post(
            "/seeds/greeting/",
            json={"name": "Eve"},
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        )
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert same_site.json() == {"greeting": "Hello, Ada!", "method": "POST"}
    assert cross_site.status_code == 403
    assert "CSRF check failed" in cross_site.text


async def timed_burst(base_url: str, route: str, count: int) -> tuple[float, list[int]]:
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        started = time.monotonic()
        responses = await asyncio.gather(*(client.get(route) for _ in range(count)))
        return time.monotonic() - started, [response.status_code for response in responses]


def test_fifty_async_sleeps_overlap_while_sync_sleeps_queue_on_the_pool(base_url: str) -> None:
    async_elapsed, async_statuses = asyncio.run(timed_burst(base_url, "/seeds/slow/", 50))
    assert async_statuses == [200] * 50
    assert async_elapsed < 4.0, f"50 concurrent 2 s async waits took {async_elapsed:.2f} s"

    sync_elapsed, sync_statuses = asyncio.run(timed_burst(base_url, "/seeds/slow-sync/", 50))
    assert sync_statuses == [200] * 50
    # The pool has 25 threads, so 50 sleeping views need two rounds of 2 s each: the
    # contrast async views exist to remove.
    assert sync_elapsed >= 3.9, f"sync burst finished in {sync_elapsed:.2f} s"
    assert sync_elapsed > async_elapsed + 1.5

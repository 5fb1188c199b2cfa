"""Every view becomes an async callable once, when the URL table is compiled."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from legato.exceptions import RequestTimeout
from legato.sync import ThreadPool, iscoroutinefunction
from legato.views.adapt import adapt_view, with_deadline
from legato.views.decorators import timeout

pytestmark = pytest.mark.anyio


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    pool = ThreadPool(2)
    yield pool
    pool.shutdown()


async def async_view(request: Any) -> str:
    return "async"


def sync_view(request: Any) -> str:
    return threading.current_thread().name


async def test_an_async_view_is_used_as_it_is(pool: ThreadPool) -> None:
    assert adapt_view(async_view, pool) is async_view


async def test_a_sync_view_runs_in_the_pool(pool: ThreadPool) -> None:
    adapted = adapt_view(sync_view, pool)
    assert iscoroutinefunction(adapted)  # as the handler and asgiref see it
    assert await adapted(None) != threading.current_thread().name


async def test_an_app_timeout_wraps_the_view_in_a_deadline(pool: ThreadPool) -> None:
    async def slow(request: Any) -> str:
        await asyncio.sleep(5)
        return "late"

    adapted = adapt_view(slow, pool, timeout=0.01)
    with pytest.raises(RequestTimeout, match=r"did not answer within 0\.01 seconds"):
        await adapted(None)


async def test_a_view_with_its_own_timeout_keeps_it(pool: ThreadPool) -> None:
    @timeout(5)
    async def patient(request: Any) -> str:
        await asyncio.sleep(0.05)
        return "done"

    assert await adapt_view(patient, pool, timeout=0.01)(None) == "done"


async def test_a_timeout_from_inside_the_view_is_not_the_deadline() -> None:
    async def calls_a_slow_api(request: Any) -> str:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(5)
        return "unreachable"

    with pytest.raises(TimeoutError):
        await with_deadline(calls_a_slow_api, 5)(None)


async def test_the_deadline_keeps_the_views_name() -> None:
    assert with_deadline(async_view, 1).__name__ == "async_view"

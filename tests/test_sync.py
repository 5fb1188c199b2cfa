"""The thread pool's hop keeps what asgiref's SyncToAsync gives: context, loop, errors, cancels.

Each behaviour here is one Legato re-creates rather than takes from asgiref, so each is
checked directly on a `ThreadPool`, on the test's own event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.local import Local
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.sync import ThreadPool, async_to_sync, iscoroutinefunction

tag: contextvars.ContextVar[str] = contextvars.ContextVar("sync_test_tag", default="unset")

pytestmark = pytest.mark.anyio


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    started = ThreadPool(2)
    yield started
    started.shutdown()


async def wait_for(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, 5), "the pool thread never got there"


def in_pool(pool: ThreadPool, func: Callable[[], Any]) -> asyncio.Task[Any]:
    return asyncio.get_running_loop().create_task(pool.run(func))


async def test_function_sees_the_callers_context_variables(pool: ThreadPool) -> None:
    tag.set("from the caller")

    assert await pool.run(tag.get) == "from the caller"


async def test_context_variables_set_in_the_thread_reach_the_caller(pool: ThreadPool) -> None:
    def set_tag() -> None:
        tag.set("from the thread")

    await pool.run(set_tag)

    assert tag.get() == "from the thread"


async def test_context_variables_set_before_an_exception_reach_the_caller(
    pool: ThreadPool,
) -> None:
    def set_tag_then_fail() -> None:
        tag.set("set, then failed")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await pool.run(set_tag_then_fail)

    assert tag.get() == "set, then failed"


async def test_asgiref_local_data_crosses_into_the_thread_and_back(pool: ThreadPool) -> None:
    # Django keeps the active translation and urlconf in asgiref Locals, whose data is
    # tied to a thread: it must be moved with the call, as asgiref's own hop does.
    local = Local()
    local.language = "fr"

    def read_then_write() -> str:
        local.timezone = "Europe/Paris"
        return str(local.language)

    assert await pool.run(read_then_write) == "fr"
    assert local.timezone == "Europe/Paris"


async def test_async_to_sync_in_a_pool_thread_runs_on_the_callers_loop(pool: ThreadPool) -> None:
    async def where() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        return asyncio.get_running_loop(), threading.current_thread()

    def sync_view() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        return async_to_sync(where)()

    loop, thread = await pool.run(sync_view)

    assert loop is asyncio.get_running_loop()
    assert thread is threading.current_thread()


async def test_exception_comes_back_with_the_functions_frames(pool: ThreadPool) -> None:
    def broken_view() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError) as caught:
        await pool.wrap(broken_view)()

    assert "broken_view" in [entry.name for entry in caught.traceback]


async def test_exception_being_handled_is_visible_to_sys_exc_info_in_the_thread(
    pool: ThreadPool,
) -> None:
    def process_exception() -> str:
        return repr(sys.exc_info()[1])

    try:
        raise ValueError("being handled")
    except ValueError as exc:
        traceback_before = exc.__traceback__
        seen = await pool.run(process_exception)
        traceback_after = exc.__traceback__

    assert seen == "ValueError('being handled')"
    assert traceback_after is traceback_before  # raising it in the thread changed nothing


async def test_cancelled_caller_gets_cancelled_error_while_the_thread_runs_on(
    pool: ThreadPool,
) -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        release.wait(5)
        finished.set()

    task = in_pool(pool, slow)
    await wait_for(started)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert not finished.is_set()  # the caller did not wait for the thread
    release.set()
    await wait_for(finished)


async def test_cancelled_caller_cancels_what_its_thread_awaits(pool: ThreadPool) -> None:
    started, finished = threading.Event(), threading.Event()
    seen: list[str] = []

    async def wait_long() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("coroutine cancelled")
            raise

    def sync_view() -> None:
        try:
            async_to_sync(wait_long)()
        except asyncio.CancelledError:
            seen.append("thread returned")
        finally:
            finished.set()

    task = in_pool(pool, sync_view)
    await wait_for(started)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_for(finished)
    assert seen == ["coroutine cancelled", "thread returned"]


async def test_call_cancelled_while_queued_never_runs() -> None:
    pool = ThreadPool(1)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    try:
        first = in_pool(pool, lambda: (started.set(), release.wait(5)))
        await wait_for(started)
        queued = in_pool(pool, lambda: ran.append("queued"))
        await asyncio.sleep(0)  # submitted, behind the first
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await first
        await pool.run(lambda: None)  # the only thread has gone past the cancelled call

        assert ran == []
    finally:
        release.set()
        pool.shutdown()


async def test_pool_runs_no_more_threads_than_its_size(pool: ThreadPool) -> None:
    lock = threading.Lock()
    running: list[int] = [0]
    most: list[int] = [0]
    threads: set[str] = set()

    def busy() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(threading.current_thread().name)
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    await asyncio.gather(*(pool.run(busy) for _ in range(6)))

    assert most[0] == pool.size == 2
    assert len(threads) == 2
    assert all(name.startswith("legato-sync") for name in threads)


async def test_pool_starts_no_thread_until_the_first_call() -> None:
    before = threading.active_count()
    pool = ThreadPool(4)
    pool.wrap(time.sleep)

    assert threading.active_count() == before
    pool.shutdown()  # nothing started: nothing to stop


async def test_shutdown_cancels_queued_calls_and_lets_running_ones_finish() -> None:
    pool = ThreadPool(1)
    started, release = threading.Event(), threading.Event()
    try:
        running = in_pool(pool, lambda: (started.set(), release.wait(5))[1])
        await wait_for(started)
        queued = in_pool(pool, lambda: "never")
        await asyncio.sleep(0)  # submitted, behind the first

        pool.shutdown()

        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        assert await running is True
    finally:
        release.set()
        pool.shutdown()


async def test_wrapped_function_works_again_after_a_shutdown(pool: ThreadPool) -> None:
    # An app may be started again after a shut-down; its views were wrapped once.
    current_thread = pool.wrap(threading.current_thread)
    before = await current_thread()

    pool.shutdown()
    after = await current_thread()

    assert after is not before
    assert after.name.startswith("legato-sync")


async def test_wrap_passes_arguments_and_keeps_the_functions_identity(pool: ThreadPool) -> None:
    def greet(name: str, *, punctuation: str = ".") -> str:
        """Say hello."""
        return f"Hello, {name}{punctuation}"

    wrapped = pool.wrap(greet)

    assert await wrapped("world", punctuation="!") == "Hello, world!"
    assert (wrapped.__name__, wrapped.__doc__) == ("greet", "Say hello.")
    assert iscoroutinefunction(wrapped)


def test_pool_serves_one_loop_after_another() -> None:
    pool = ThreadPool(2)
    loop_factories: list[Callable[[], asyncio.AbstractEventLoop]] = [asyncio.new_event_loop]
    try:
        import uvloop  # the loop uvicorn runs the app on, when installed
    except ImportError:
        pass
    else:
        loop_factories.append(uvloop.new_event_loop)

    async def hop() -> str:
        tag.set("this loop")
        return await pool.run(tag.get)

    try:
        for factory in loop_factories * 2:
            with asyncio.Runner(loop_factory=factory) as runner:
                assert runner.run(hop()) == "this loop"
    finally:
        pool.shutdown()


def test_wrap_refuses_an_async_function(pool: ThreadPool) -> None:
    async def already_async() -> None:
        pass

    with pytest.raises(TypeError, match="await it directly"):
        pool.wrap(already_async)


# ---------------------------------------------------------------- waiting for the loop


async def test_threads_waiting_for_the_loop_leave_their_place_to_queued_calls() -> None:
    pool = ThreadPool(1)
    proceed = asyncio.Event()

    async def wait_on_the_loop() -> str:
        await proceed.wait()
        return "back"

    def sync_layer() -> str:
        return async_to_sync(wait_on_the_loop)()

    try:
        # Three calls each waiting on the loop, with a pool of one thread: each frees
        # its place, so the plain call queued after them still runs at once.
        waiting = [in_pool(pool, sync_layer) for _ in range(3)]
        assert await asyncio.wait_for(pool.run(lambda: "ran"), 5) == "ran"
        stats = pool.stats()
        assert stats["waiting_for_loop"] == 3
        assert stats["busy"] == 0
        proceed.set()
        assert await asyncio.gather(*waiting) == ["back"] * 3
        await pool.run(lambda: None)
        # Back from the loop the extra threads end: the pool is at its size again.
        await asyncio.sleep(0.1)
        assert pool.stats()["threads"] <= pool.size
        assert pool.stats()["waiting_for_loop"] == 0
    finally:
        proceed.set()
        pool.shutdown()


async def test_sync_code_that_runs_is_still_bounded_by_the_pool_size() -> None:
    pool = ThreadPool(2)
    lock = threading.Lock()
    running, most = [0], [0]

    async def nap() -> None:
        await asyncio.sleep(0.01)

    def mixed() -> None:
        async_to_sync(nap)()  # waiting: not counted
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # running sync code: counted
        with lock:
            running[0] -= 1

    try:
        await asyncio.gather(*(pool.run(mixed) for _ in range(8)))
        # Eight calls waited on the loop at once, but the sync code after the wait ran
        # at most two at a time: a thread back from the loop takes a place first.
        assert most[0] == pool.size
        assert pool.stats()["threads"] <= pool.size
    finally:
        pool.shutdown()


def slow_sync_view() -> None:
    time.sleep(0.3)


async def test_a_call_that_waits_for_a_thread_is_counted_and_named_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = ThreadPool(1)
    try:
        with caplog.at_level("WARNING", logger="legato.sync"):
            await asyncio.gather(*(pool.run(slow_sync_view) for _ in range(3)))
        assert pool.stats()["slow_starts"] == 2
        warnings = [record.getMessage() for record in caplog.records]
        assert len(warnings) == 1, warnings
        assert "tests.test_sync.slow_sync_view waited" in warnings[0]
        assert "all 1 threads of the sync pool are busy" in warnings[0]
    finally:
        pool.shutdown()


class MixedCalls:
    """Sync calls of a few shapes that record how many run sync code at once."""

    def __init__(self, pool: ThreadPool) -> None:
        self.pool = pool
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def sync_work(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.002)
        with self.lock:
            self.running -= 1

    async def on_the_loop(self) -> None:
        await asyncio.sleep(0.002)

    async def nested(self) -> None:
        await self.pool.run(self.sync_work)  # a pool call made while another one waits

    def call(self, kind: str) -> None:
        steps = {
            "run": [self.sync_work],
            "wait": [async_to_sync(self.on_the_loop)],
            "wait-run": [async_to_sync(self.on_the_loop), self.sync_work],
            "nested": [async_to_sync(self.nested)],
        }
        for step in steps[kind]:
            step()


async def settled_stats(pool: ThreadPool, size: int) -> dict[str, int]:
    for _ in range(50):  # a thread counts itself idle just after it answers
        stats = pool.stats()
        if stats["threads"] <= size and stats["busy"] == 0:
            break
        await asyncio.sleep(0.01)
    return stats


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=3),
    calls=st.lists(st.sampled_from(["run", "wait", "wait-run", "nested"]), max_size=10),
)
def test_any_mix_of_calls_finishes_within_the_bound(size: int, calls: list[str]) -> None:
    """Sync code runs at most `size` at a time, whatever waits on the loop in between,
    and nothing is stuck or left counted once every call has returned."""

    async def main() -> tuple[int, dict[str, int]]:
        pool = ThreadPool(size)
        mixed = MixedCalls(pool)
        try:
            runs = (pool.run(functools.partial(mixed.call, kind)) for kind in calls)
            await asyncio.wait_for(asyncio.gather(*runs), 10)
            return mixed.most, await settled_stats(pool, size)
        finally:
            pool.shutdown()

    most, stats = asyncio.run(main())
    assert most <= size
    assert stats["busy"] == 0
    assert stats["waiting_for_loop"] == 0
    assert stats["queued"] == 0
    assert stats["threads"] <= size

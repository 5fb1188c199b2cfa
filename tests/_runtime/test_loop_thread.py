"""The loop thread WSGI mode runs async code on: results, errors, context, shut-down."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from legato._runtime import loop_thread as _loop_thread
from legato._runtime.loop_thread import Handoff, LoopThread

tag: contextvars.ContextVar[str] = contextvars.ContextVar("loop_thread_tag", default="unset")


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    started = LoopThread()
    started.start()
    yield started
    started.stop()


async def where() -> str:
    return threading.current_thread().name


async def fail() -> None:
    raise LookupError("from the loop")


def test_run_returns_the_result_from_the_loop_thread(loop_thread: LoopThread) -> None:
    assert loop_thread.run(where()) == "legato-wsgi-loop"


def test_run_raises_the_coroutine_exception_in_the_caller(loop_thread: LoopThread) -> None:
    with pytest.raises(LookupError, match="from the loop"):
        loop_thread.run(fail())


def test_context_goes_in_and_changes_come_back(loop_thread: LoopThread) -> None:
    async def read_then_set() -> str:
        seen = tag.get()
        tag.set("set on the loop")
        return seen

    token = tag.set("set by the caller")
    try:
        assert loop_thread.run(read_then_set()) == "set by the caller"
        assert tag.get() == "set on the loop"
    finally:
        tag.reset(token)


def test_many_threads_share_the_loop_concurrently(loop_thread: LoopThread) -> None:
    results: list[str] = []

    async def nap() -> str:
        await asyncio.sleep(0.3)
        return "done"

    threads = [
        threading.Thread(target=lambda: results.append(loop_thread.run(nap()))) for _ in range(20)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["done"] * 20
    assert time.monotonic() - started < 1.5


def test_run_on_the_loop_thread_fails_instead_of_hanging(loop_thread: LoopThread) -> None:
    async def nested() -> Any:
        return loop_thread.run(where())  # a sync helper misused inside async code

    with pytest.raises(RuntimeError, match="await it instead"):
        loop_thread.run(nested())


def test_waiting_for_a_submitted_call_on_the_loop_thread_fails_too(
    loop_thread: LoopThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_loop_thread, "_LIVENESS_CHECK_SECONDS", 0.05)

    async def nested() -> Any:
        return loop_thread.submit(where()).result()

    with pytest.raises(RuntimeError, match="await it instead"):
        loop_thread.run(nested())


def test_an_interrupted_caller_cancels_its_task(loop_thread: LoopThread) -> None:
    outcome: list[str] = []

    async def long_wait() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    def interrupt(signum: int, frame: Any) -> None:
        raise TimeoutError("worker timeout")

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(TimeoutError, match="worker timeout"):
            loop_thread.run(long_wait())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    deadline = time.monotonic() + 5
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    assert outcome == ["cancelled"]
    # The abandoned call's late wake-up must not be taken for the next call's.
    assert [loop_thread.run(where()) for _ in range(3)] == ["legato-wsgi-loop"] * 3


def test_stop_ends_the_waits_of_callers_in_other_threads() -> None:
    loop_thread = LoopThread()
    loop_thread.start()
    errors: list[BaseException] = []

    def wait_forever() -> None:
        try:
            loop_thread.run(asyncio.sleep(30))
        except BaseException as exc:
            errors.append(exc)

    waiting = threading.Thread(target=wait_forever)
    waiting.start()
    time.sleep(0.1)
    loop_thread.stop()
    waiting.join(5)
    assert not waiting.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], asyncio.CancelledError)


def test_stop_cancels_what_is_left_and_later_calls_fail_clearly() -> None:
    loop_thread = LoopThread()
    loop_thread.start()
    call = loop_thread.submit(asyncio.sleep(30))
    loop_thread.stop()
    with pytest.raises(asyncio.CancelledError):
        call.result()
    assert not loop_thread.thread.is_alive()
    with pytest.raises(RuntimeError, match="is not running"):
        loop_thread.run(where())
    with pytest.raises(RuntimeError, match="is not running"):
        loop_thread.submit(where())
    loop_thread.stop()  # twice is fine


def test_a_dead_loop_thread_fails_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_loop_thread, "_LIVENESS_CHECK_SECONDS", 0.05)
    loop_thread = LoopThread()
    loop_thread.start()
    loop_thread.loop.call_soon_threadsafe(loop_thread.loop.stop)  # the thread ends
    loop_thread.thread.join()
    with pytest.raises(RuntimeError, match="is not running"):
        loop_thread.run(asyncio.sleep(0))
    call = loop_thread.submit(asyncio.sleep(0))
    with pytest.raises(RuntimeError, match="is not running"):
        call.result()
    loop_thread.stop()


def test_the_socket_pair_wakes_the_loop_where_eventfd_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(os, "eventfd", raising=False)
    loop_thread = LoopThread()
    loop_thread.start()
    try:
        assert [loop_thread.run(where()) for _ in range(3)] == ["legato-wsgi-loop"] * 3
    finally:
        loop_thread.stop()


def test_the_asyncio_loop_serves_where_uvloop_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("no uvloop here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvloop)
    loop_thread = LoopThread()
    monkeypatch.undo()
    assert type(loop_thread.loop).__module__.startswith("asyncio")
    loop_thread.start()
    try:
        assert loop_thread.run(where()) == "legato-wsgi-loop"
    finally:
        loop_thread.stop()


def test_handoff_passes_items_one_at_a_time(loop_thread: LoopThread) -> None:
    handoff: Handoff[int] = Handoff(loop_thread)
    produced: list[int] = []

    async def produce() -> None:
        for item in range(3):
            produced.append(item)
            await handoff.put(item)
        handoff.end()

    call = loop_thread.submit(produce())
    assert handoff.get() == 0
    time.sleep(0.05)
    assert produced == [0]  # nothing made ahead of the consumer
    assert [handoff.get(), handoff.get()] == [1, 2]
    with pytest.raises(StopIteration):
        handoff.get()
    with pytest.raises(StopIteration):
        handoff.get()
    call.result()


def test_handoff_raises_the_producer_error_in_the_consumer(loop_thread: LoopThread) -> None:
    handoff: Handoff[str] = Handoff(loop_thread)

    async def produce() -> None:
        await handoff.put("first")
        handoff.end(ValueError("source broke"))

    loop_thread.submit(produce())
    assert handoff.get() == "first"
    with pytest.raises(ValueError, match="source broke"):
        handoff.get()

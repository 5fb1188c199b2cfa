"""Run coroutines on one long-lived event loop in a background thread, from sync threads.

A WSGI worker has no event loop of its own. `LoopThread` gives it one, started once and
kept for the worker's life, so an async view under WSGI costs one hand-off between two
threads instead of a new event loop per request. Any number of threads may call `run()`
at once: each call becomes one task on the loop.

Invariants:
- The loop runs only in its own daemon thread; `run()` and `submit()` are for other
  threads (on the loop thread they would wait on themselves, so they refuse).
- A call's task runs in a copy of the caller's context, and `run()` copies the variables
  the task changed back into the caller's context, as asgiref's `async_to_sync` does.
- A caller interrupted while it waits (a signal, a worker timeout) cancels its task.
- A caller never waits on a loop that is gone: once `stop()` began, or if the thread
  died, `submit()` and `result()` raise RuntimeError instead.
- `Handoff` passes a stream's items to a thread one at a time: the producing task waits
  until the thread asks for the next item, so nothing is read ahead or buffered.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["Call", "Handoff", "LoopThread"]

T = TypeVar("T")

_MISSING = object()
# How often a waiting caller checks that the loop thread is still alive.
_LIVENESS_CHECK_SECONDS = 1.0


class LoopThread:
    """One event loop, running forever in a daemon thread, for coroutines from other threads."""

    def __init__(self, name: str = "legato-wsgi-loop") -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run_loop, name=name, daemon=True)
        self.stopping = False

    def start(self) -> None:
        ready = threading.Event()
        self.loop.call_soon(ready.set)
        self.thread.start()
        ready.wait()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and wait for its result (or exception)."""
        context = contextvars.copy_context()
        result = Call(self, coroutine, context).result()
        _copy_back(context)
        return result

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Call[T]:
        """Start `coroutine` on the loop and return at once; `result()` waits for it."""
        return Call(self, coroutine, contextvars.copy_context())

    def drain(self, grace: float) -> None:
        """Give the tasks on the loop `grace` seconds to finish, then cancel the rest."""
        if self.thread.is_alive():
            self.run(_drain(grace))

    def stop(self) -> None:
        """Cancel what is left on the loop, stop it and close it; idempotent."""
        if self.stopping:
            return
        if threading.current_thread() is self.thread:
            raise RuntimeError("A LoopThread cannot stop itself; call stop() from another thread.")
        if self.thread.is_alive():
            self.run(_drain(0))
            self.run(_finalize(self.loop))
        self.stopping = True
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
        self.loop.close()


class Call(Generic[T]):
    """One coroutine running as a task on a `LoopThread`, seen from the thread that started it."""

    __slots__ = ("_done", "_loop_thread", "_task")

    def __init__(
        self,
        loop_thread: LoopThread,
        coroutine: Coroutine[Any, Any, T],
        context: contextvars.Context,
    ) -> None:
        if loop_thread.stopping or not loop_thread.thread.is_alive():
            coroutine.close()
            raise RuntimeError(_gone_message(loop_thread))
        if threading.current_thread() is loop_thread.thread:
            coroutine.close()
            raise RuntimeError(
                "This code runs on the app's event loop thread, where waiting for a coroutine "
                "would wait forever: await it instead."
            )
        self._loop_thread = loop_thread
        self._task: asyncio.Task[T] | None = None
        # A plain lock is the cheapest thing one thread can block on until another
        # releases it: the task's done-callback releases it on the loop thread.
        self._done = threading.Lock()
        self._done.acquire()
        loop_thread.loop.call_soon_threadsafe(self._start, coroutine, context, context=context)

    def _start(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> None:
        task = self._loop_thread.loop.create_task(coroutine, context=context)
        task.add_done_callback(self._finish)
        self._task = task

    def _finish(self, task: asyncio.Task[T]) -> None:
        self._done.release()

    def result(self) -> T:
        """Wait until the task is done; return its result or raise its exception."""
        try:
            self._wait()
        except BaseException:
            self.cancel()
            raise
        assert self._task is not None  # set by _start, which ran before _finish
        return self._task.result()

    def _wait(self) -> None:
        done = self._done
        while not done.acquire(timeout=_LIVENESS_CHECK_SECONDS):
            if not self._loop_thread.thread.is_alive():
                raise RuntimeError(_gone_message(self._loop_thread))
        done.release()  # so that a second result() (e.g. after close) returns at once

    def cancel(self) -> None:
        """Ask the task to stop (CancelledError inside it); returns at once."""
        loop = self._loop_thread.loop
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._cancel_task)

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()


class Handoff(Generic[T]):
    """Pass items one at a time from a task on the loop to one waiting thread."""

    __slots__ = ("_asked", "_items", "_loop", "_wanted")

    _END = object()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: queue.SimpleQueue[tuple[object, BaseException | None]] = queue.SimpleQueue()
        self._wanted = asyncio.Event()
        self._asked = False

    async def put(self, item: T) -> None:
        """Give the thread `item`, then wait until it asks for the next one."""
        self._wanted.clear()
        self._items.put((item, None))
        await self._wanted.wait()

    def end(self, error: BaseException | None = None) -> None:
        """No more items: the thread's next `get()` raises `error`, or StopIteration."""
        self._items.put((self._END, error))

    def get(self) -> T:
        """Wait for the next item (called from the thread, never from the loop)."""
        if self._asked:
            self._loop.call_soon_threadsafe(self._wanted.set)
        self._asked = True
        item, error = self._items.get()
        if error is not None:
            raise error
        if item is self._END:
            self._items.put((item, None))  # every later get() ends too
            raise StopIteration
        return item  # type: ignore[return-value]  # only put() adds anything else


def _copy_back(context: contextvars.Context) -> None:
    for variable, value in context.items():
        if variable.get(_MISSING) is not value:
            variable.set(value)


async def _drain(grace: float) -> None:
    current = asyncio.current_task()
    pending = {task for task in asyncio.all_tasks() if task is not current}
    if not pending:
        return
    if grace > 0:
        _, pending = await asyncio.wait(pending, timeout=grace)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1.0)


async def _finalize(loop: asyncio.AbstractEventLoop) -> None:
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


def _gone_message(loop_thread: LoopThread) -> str:
    return (
        f"The event loop thread {loop_thread.name!r} is not running (it was stopped, or this "
        "process was forked from the one that started it); start the app again in this "
        "process instead of reusing the stopped one."
    )

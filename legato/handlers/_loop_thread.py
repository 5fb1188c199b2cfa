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

The hand-off is the price of an async view under WSGI, so it is kept short. The loop is
uvloop's when installed (it comes with uvicorn[standard], and uvicorn runs ASGI apps on
it). Callbacks reach the loop through `call_soon_threadsafe` below rather than the
loop's own: uvloop's wakes the loop thread while the caller still holds the GIL, so the
woken thread at once blocks on the GIL again; a socket send releases the GIL around the
system call, and the loop thread runs straight away. Measured under gunicorn on one
core, a hand-off takes about 18 microseconds this way, 28 the other way.
"""

from __future__ import annotations

import asyncio
import collections
import os
import contextvars
import queue
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["Call", "Handoff", "LoopThread"]

T = TypeVar("T")

_MISSING = object()
# How often a waiting caller checks that the loop thread is still alive.
_LIVENESS_CHECK_SECONDS = 1.0

Callback = tuple[Callable[..., object], tuple[Any, ...], contextvars.Context | None]


class LoopThread:
    """One event loop, running forever in a daemon thread, for coroutines from other threads."""

    def __init__(self, name: str = "legato-wsgi-loop") -> None:
        self.name = name
        self.loop = _new_event_loop()
        self.thread = threading.Thread(target=self._run_loop, name=name, daemon=True)
        self.stopping = False
        self._callbacks: collections.deque[Callback] = collections.deque()
        self._wake_fd = os.eventfd(0, os.EFD_NONBLOCK)

    def start(self) -> None:
        ready = threading.Event()
        self.loop.add_reader(self._wake_fd, self._run_callbacks)
        self.loop.call_soon(ready.set)
        self.thread.start()
        ready.wait()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call_soon_threadsafe(
        self,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> None:
        """Run `callback(*args)` on the loop thread soon (in `context`, if given)."""
        # Queued before the wake-up byte is sent, and the loop reads the bytes before
        # the queue: a callback is never left waiting for a wake-up already consumed.
        self._callbacks.append((callback, args, context))
        os.eventfd_write(self._wake_fd, 1)

    def _run_callbacks(self) -> None:
        # One read: wake-ups left unread (over 4 KiB of them) call this again.
        try:  # noqa: SIM105 - cheaper than contextlib.suppress, on the hot path
            os.eventfd_read(self._wake_fd)
        except BlockingIOError:
            pass
        callbacks = self._callbacks
        while callbacks:
            callback, args, context = callbacks.popleft()
            try:
                if context is None:
                    callback(*args)
                else:
                    context.run(callback, *args)
            except Exception as exc:  # one failing callback must not strand the others
                self.loop.call_exception_handler(
                    {"message": f"Exception in callback {callback!r}", "exception": exc}
                )

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
            self.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
        if not self.loop.is_closed():
            self.loop.remove_reader(self._wake_fd)
            self.loop.close()
        os.close(self._wake_fd)


class Call(Generic[T]):
    """One coroutine running as a task on a `LoopThread`, seen from the thread that started it."""

    __slots__ = ("_done", "_error", "_loop_thread", "_result", "_task")

    def __init__(
        self,
        loop_thread: LoopThread,
        coroutine: Coroutine[Any, Any, T],
        context: contextvars.Context,
    ) -> None:
        if loop_thread.stopping:
            coroutine.close()
            raise RuntimeError(_gone_message(loop_thread))
        self._loop_thread = loop_thread
        self._task: asyncio.Task[None] | None = None
        self._result: T | None = None
        self._error: BaseException | None = None
        # A plain lock is the cheapest thing one thread can block on until another
        # releases it; the task releases it in its last step.
        self._done = threading.Lock()
        self._done.acquire()
        loop_thread.call_soon_threadsafe(self._start, coroutine, context, context=context)

    def _start(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> None:
        self._task = self._loop_thread.loop.create_task(self._run(coroutine), context=context)

    async def _run(self, coroutine: Coroutine[Any, Any, T]) -> None:
        # The outcome is kept here rather than in the task, so the caller can have it
        # without a done-callback (one more turn of the loop), and an outcome nobody
        # reads (an interrupted caller) is never logged as "never retrieved".
        try:
            self._result = await coroutine
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.release()

    def result(self) -> T:
        """Wait until the task is done; return its result or raise its exception."""
        try:
            self._wait()
        except BaseException:
            self.cancel()
            raise
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]  # set, since there is no error

    def _wait(self) -> None:
        done = self._done
        # Checked only when the wait is long, to keep them off the hot path.
        while not done.acquire(timeout=_LIVENESS_CHECK_SECONDS):
            thread = self._loop_thread.thread
            if threading.current_thread() is thread:
                raise RuntimeError(
                    "This code runs on the app's event loop thread, where waiting for a "
                    "coroutine waits forever: await it instead."
                )
            if not thread.is_alive():
                raise RuntimeError(_gone_message(self._loop_thread))
        done.release()  # so that a second result() (e.g. after close) returns at once

    def cancel(self) -> None:
        """Ask the task to stop (CancelledError inside it); returns at once."""
        if self._loop_thread.thread.is_alive():
            self._loop_thread.call_soon_threadsafe(self._cancel_task)

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()


class Handoff(Generic[T]):
    """Pass items one at a time from a task on the loop to one waiting thread."""

    __slots__ = ("_asked", "_items", "_loop_thread", "_wanted")

    _END = object()

    def __init__(self, loop_thread: LoopThread) -> None:
        self._loop_thread = loop_thread
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
            self._loop_thread.call_soon_threadsafe(self._wanted.set)
        self._asked = True
        item, error = self._items.get()
        if error is not None:
            raise error
        if item is self._END:
            self._items.put((item, None))  # every later get() ends too
            raise StopIteration
        return item  # type: ignore[return-value]  # only put() adds anything else


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        # A selector loop everywhere (not Windows' proactor): it can watch the wake-up socket.
        return asyncio.SelectorEventLoop()
    return uvloop.new_event_loop()


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

"""Run coroutines on one long-lived event loop in a background thread, from sync threads.

A WSGI worker has no event loop of its own. `LoopThread` gives it one, started once and
kept for the worker's life, so an async view under WSGI costs one hand-off between two
threads instead of a new event loop per request. Any number of threads may call `run()`
at once: each call becomes one task on the loop.

Invariants:
- The loop runs only in its own daemon thread. `run()` refuses to be called there (it
  would wait on itself); a `Call.result()` there fails after a second, saying to await.
- A call's task runs in a copy of the caller's context, and `run()` copies the variables
  the task changed back into the caller's context, as asgiref's `async_to_sync` does.
- A caller interrupted while it waits (a signal, a worker timeout) cancels its task.
- A caller never waits on a loop that is gone: calls made once `stop()` began, or after
  the thread ended (a fork), raise RuntimeError; calls the loop will never start are
  failed by `stop()`; tasks still running are cancelled, which ends their waits.
- `Handoff` passes a stream's items to a thread one at a time: the producing task waits
  until the thread asks for the next item, so nothing is read ahead or buffered.

The hand-off is the whole price of an async view under WSGI, so it is kept short:
- The loop is uvloop's when installed (it comes with uvicorn[standard], and uvicorn
  runs ASGI apps on it): its turns cost less than asyncio's.
- Each way, one thread wakes the other by writing to an eventfd (a socket pair off
  Linux), which releases the GIL around the system call, so the woken thread can run
  at once. uvloop's `call_soon_threadsafe` and `Lock.release()` wake a thread while
  still holding the GIL, and the woken thread first blocks on it.
- The task wakes its caller itself, in its last step, not from a done-callback that
  would take one more turn of the loop.
Under gunicorn on one core a hand-off takes about 20 microseconds this way, against
about 43 with `asyncio.run_coroutine_threadsafe(...).result()` on the same uvloop loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import queue
import threading
import weakref
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Generic, TypeVar

from legato._runtime.wakeup import Wakeup

__all__ = ["Call", "Handoff", "LoopThread"]

T = TypeVar("T")

_MISSING = object()
# How often a `Call.result()` waiter checks that the loop thread is still alive.
_LIVENESS_CHECK_SECONDS = 1.0

Callback = tuple[Callable[..., object], tuple[Any, ...], contextvars.Context | None]


class LoopThread:
    """One event loop, running forever in a daemon thread, for coroutines from other threads."""

    def __init__(self, name: str = "legato-wsgi-loop") -> None:
        self.name = name
        self.loop = _new_event_loop()
        self.thread = threading.Thread(target=self._run_loop, name=name, daemon=True)
        self.stopping = False
        self._closed = False
        self._callbacks: collections.deque[Callback] = collections.deque()
        self._wakeup = Wakeup(blocking=False)
        self._waiters = threading.local()
        self._submitted: weakref.WeakSet[Call[Any]] = weakref.WeakSet()

    def start(self) -> None:
        ready = threading.Event()
        self.loop.add_reader(self._wakeup.fileno, self._run_callbacks)
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
        # Queued before the wake-up is written, and the loop reads the wake-ups before
        # the queue: a callback is never left waiting for a wake-up already consumed.
        self._callbacks.append((callback, args, context))
        if self._closed:  # too late: stop() has run the last turn; fail it here instead
            self._abandon_callbacks()
            return
        self._wakeup.wake()

    def _run_callbacks(self) -> None:
        try:  # noqa: SIM105 - cheaper than contextlib.suppress, on the hot path
            self._wakeup.read()
        except BlockingIOError:
            pass  # already read by the previous call, which ran these callbacks too
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
        if threading.get_ident() == self.thread.ident:
            coroutine.close()
            raise RuntimeError(
                "This code runs on the app's event loop thread, where waiting for a "
                "coroutine would wait forever: await it instead."
            )
        if not self.thread.is_alive():
            coroutine.close()
            raise RuntimeError(_gone_message(self))
        waiter = getattr(self._waiters, "waiter", None)
        if waiter is None:
            waiter = self._waiters.waiter = Wakeup(blocking=True)
        context = contextvars.copy_context()
        result = Call(self, coroutine, context, waiter).result()
        _copy_back(context)
        return result

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Call[T]:
        """Start `coroutine` on the loop and return at once; `result()` waits for it."""
        call = Call(self, coroutine, contextvars.copy_context())
        self._submitted.add(call)  # weakly: a finished call leaves the set by itself
        return call

    def drain(self, grace: float) -> None:
        """Give the calls started with `submit()` `grace` seconds to end, then cancel them.

        Other tasks on the loop (ones the app's lifespan started, say) are left alone:
        their owner stops them.
        """
        calls = list(self._submitted)
        if calls and self.thread.is_alive():
            self.run(_drain(grace, calls))

    def stop(self) -> None:
        """Stop the loop thread, cancel what is left on the loop and close it; idempotent."""
        if self.stopping:
            return
        if threading.current_thread() is self.thread:
            raise RuntimeError("A LoopThread cannot stop itself; call stop() from another thread.")
        self.stopping = True  # no new calls from here on
        if self.thread.is_alive():
            self.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
        self._abandon_callbacks()
        if not self.loop.is_closed():
            # The loop thread has ended: this thread runs the loop's last turns itself,
            # cancelling the tasks left (which wakes their callers) before closing it.
            self.loop.run_until_complete(_drain(0))
            self.loop.run_until_complete(_finalize(self.loop))
            self.loop.remove_reader(self._wakeup.fileno)
            self.loop.close()
        # Set before the last sweep: a call queued after it sees the flag and fails
        # itself, one queued before it is failed by the sweep; none is left waiting.
        self._closed = True
        self._abandon_callbacks()
        # The wake-up descriptor closes with this object, not here: a caller that
        # checked the flag just before it was set may still write to it.

    def _abandon_callbacks(self) -> None:
        # Calls that came in while the loop was stopping: it will never start them.
        while True:
            try:
                callback, _, _ = self._callbacks.popleft()
            except IndexError:  # empty (another thread may be sweeping too)
                return
            call = getattr(callback, "__self__", None)
            if isinstance(call, Call):
                call.abandon(RuntimeError(_gone_message(self)))


class Call(Generic[T]):
    """One coroutine running as a task on a `LoopThread`, seen from the thread that started it.

    Its caller waits on `waiter` (its thread's, from `LoopThread.run`) or, for a call
    that may be waited on later or never (`submit`), on a lock of its own.
    """

    __slots__ = (
        "__weakref__",
        "_coroutine",
        "_done",
        "_error",
        "_finished",
        "_loop_thread",
        "_result",
        "_task",
        "_waiter",
    )

    def __init__(
        self,
        loop_thread: LoopThread,
        coroutine: Coroutine[Any, Any, T],
        context: contextvars.Context,
        waiter: Wakeup | None = None,
    ) -> None:
        if loop_thread.stopping:
            coroutine.close()
            raise RuntimeError(_gone_message(loop_thread))
        self._loop_thread = loop_thread
        self._coroutine: Coroutine[Any, Any, T] | None = coroutine  # until the task has it
        self._task: asyncio.Task[None] | None = None
        self._result: T | None = None
        self._error: BaseException | None = None
        self._finished = False
        self._waiter = waiter
        self._done: threading.Lock | None = None
        if waiter is None:
            self._done = threading.Lock()
            self._done.acquire()
        loop_thread.call_soon_threadsafe(self._start, context, context=context)

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The task on the loop, once the loop has started it."""
        return self._task

    def _start(self, context: contextvars.Context) -> None:
        coroutine, self._coroutine = self._coroutine, None
        if coroutine is not None:
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
            self._finish()

    def _finish(self) -> None:
        self._finished = True
        if self._waiter is not None:
            self._waiter.wake()
        elif self._done is not None:
            self._done.release()

    def abandon(self, error: BaseException) -> None:
        """The loop will never start this call: close its coroutine, fail its caller."""
        coroutine, self._coroutine = self._coroutine, None
        if coroutine is not None:
            coroutine.close()
            self._error = error
            self._finish()

    def result(self) -> T:
        """Wait until the task is done; return its result or raise its exception."""
        try:
            if self._waiter is not None:
                self._wait_on_waiter(self._waiter)
            else:
                self._wait_on_lock()
        except BaseException:
            self.cancel()
            raise
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]  # set, since there is no error

    def _wait_on_waiter(self, waiter: Wakeup) -> None:
        # A wake-up meant for an earlier call of this thread, abandoned when its wait
        # was interrupted, may come first: only this call's own flag ends the wait.
        while not self._finished:
            waiter.read()

    def _wait_on_lock(self) -> None:
        done = self._done
        assert done is not None  # no waiter, so a lock
        # Checked only when the wait is long, to keep them off the way in.
        while not done.acquire(timeout=_LIVENESS_CHECK_SECONDS):
            thread = self._loop_thread.thread
            if threading.current_thread() is thread:
                raise RuntimeError(
                    "This code runs on the app's event loop thread, where waiting for a "
                    "coroutine waits forever: await it instead."
                )
            if not thread.is_alive():
                error = RuntimeError(_gone_message(self._loop_thread))
                self.abandon(error)  # closes the coroutine if it never started
                raise error
        done.release()  # so that a second result() (e.g. after close) returns at once

    def cancel(self) -> None:
        """Ask the task to stop (CancelledError inside it); returns at once."""
        if self._loop_thread.thread.is_alive() and not self._loop_thread.stopping:
            self._loop_thread.call_soon_threadsafe(self._cancel_task)

    def _cancel_task(self) -> None:
        task = self._task
        if task is not None:
            # After the task's first step, already scheduled: a task cancelled before
            # that step never enters `_run`, so it would neither close its coroutine
            # nor wake its caller.
            self._loop_thread.loop.call_soon(task.cancel)


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


async def _drain(grace: float, calls: Iterable[Call[Any]] | None = None) -> None:
    """Wait up to `grace` seconds for the calls' tasks (default: all others); cancel the rest."""
    # One turn first, so that tasks created just now have taken their first step: a
    # task cancelled before it would never run its own clean-up.
    await asyncio.sleep(0)
    current = asyncio.current_task()
    if calls is None:
        chosen: Iterable[asyncio.Task[Any] | None] = asyncio.all_tasks()
    else:
        chosen = [call.task for call in calls]  # read here: the loop thread sets them
    pending = {task for task in chosen if task is not None and task is not current}
    pending = {task for task in pending if not task.done()}
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

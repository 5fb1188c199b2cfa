"""The app's bounded thread pool: sync code called from the event loop runs here.

Sync views, sync-only middleware and hooks, after-response calls and sync iterators
run in a `ThreadPool`. Every call into it is one hop (`ThreadPool._hop`), which keeps
what asgiref's `SyncToAsync` gives a Django user:

- the function runs in a copy of the caller's context, and the caller sees what it set in
  its contextvars afterwards (`asgiref_internals.restore_context`, at both ends, so that
  `asgiref.local.Local` data follows the call into the thread and back, as it does there);
- `async_to_sync` inside the function runs on the caller's loop
  (`asgiref_internals.route_async_to_sync`);
- an exception comes back with the function's frames in its traceback, and one being
  handled by the caller is visible to `sys.exc_info()` inside the function;
- a cancelled caller gets CancelledError at once; the thread cannot be interrupted and runs
  the function to its end, but coroutines it waits for through `async_to_sync` are
  cancelled, and a call cancelled before a thread took it never runs.

The hop is the whole price of a sync view, so it is kept short: the caller awaits a plain
asyncio future (no concurrent.futures, no executor), and the threads hand finished jobs
back through the loop's `_Inbox`, which settles them in batches, woken once per batch.
A thread that waits for the loop gives its place in the pool up (`waiting_for_the_loop`).
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import contextvars
import functools
import itertools
import logging
import sys
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any, Generic, ParamSpec, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from legato._names import dotted_name
from legato._runtime.asgiref_internals import (
    restore_context,
    route_async_to_sync,
    serve_async_to_sync_in_this_thread,
)
from legato._runtime.wakeup import Wakeup

__all__ = [
    "DEFAULT_POOL_SIZE",
    "SLOW_START",
    "SLOW_START_WARNING_EVERY",
    "Job",
    "PoolCall",
    "ThreadPool",
    "waiting_for_the_loop",
]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(slots=True, eq=False)
class Job:
    """One call for a pool thread, from the moment it is queued until the loop settles it."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    context: contextvars.Context  # a copy of the caller's, to run `func` in
    handling: BaseException | None  # the exception the caller was handling, if any
    future: asyncio.Future[Any]  # what the caller awaits
    inbox: _Inbox  # where the thread leaves the job once run: the caller's loop's
    # Where asgiref's `async_to_sync` inside `func` records the tasks it starts, so that
    # a cancelled caller cancels them.
    tasks: list[asyncio.Task[Any]]
    queued_at: float  # time.monotonic()
    result: Any = None
    error: BaseException | None = None  # what `func` raised, if it did


logger = logging.getLogger("legato.sync")

# A call that waits longer than this for a thread is counted and named in a warning, at
# most once per function every SLOW_START_WARNING_EVERY seconds.
SLOW_START = 0.1
SLOW_START_WARNING_EVERY = 60.0

DEFAULT_POOL_SIZE = 40

# Which pool, if any, the current thread works for.
_pool_thread = threading.local()


class ThreadPool:
    """A bounded pool for sync views and middleware, created lazily, shut down with the app.

    Bounded on purpose: a flood of slow sync views queues up instead of starting threads
    without limit. The size, `App(thread_pool_size=...)`, bounds the threads running sync
    code; threads waiting for the event loop do not count. The default, 40 (anyio's), was
    measured (bench/pool): sync views that block on I/O serve in proportion to it (20 ms
    waits: 297 req/s with 6 threads, 1,982 with 40), CPU-bound ones are held by the GIL
    whatever it is (981-993 req/s from 6 to 100 threads). Threads start when a call finds
    none idle.
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = size if size is not None else DEFAULT_POOL_SIZE
        self._workers: _Workers | None = None
        self._inbox: _Inbox | None = None  # the last loop's, to skip the dictionary
        # Weak keys, and inboxes hold their loop weakly: a closed loop is not kept alive.
        self._inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def wrap(self, func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        """Return an async callable that runs `func` in this pool, contextvars carried over."""
        return PoolCall(self, func)

    def stats(self) -> dict[str, int]:
        """Threads (all, busy, waiting for the loop), queued calls, and slow starts so far."""
        workers = self._workers
        if workers is None:
            return {"threads": 0, "busy": 0, "waiting_for_loop": 0, "queued": 0, "slow_starts": 0}
        return workers.stats()

    async def run(self, func: Callable[[], R]) -> R:
        """Run a no-argument sync callable in the pool (used for sync iterators and files)."""
        result: R = await self._hop(func, (), {})
        return result

    def shutdown(self) -> None:
        """Stop the threads once their current call returns; queued calls get CancelledError.

        Threads stuck in user code cannot be interrupted, so this does not wait for them.
        The pool starts new threads if it is used again (an app started again).
        """
        with self._lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.stop()

    async def _hop(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        loop = asyncio.get_running_loop()
        inbox = self._inbox
        if inbox is None or inbox.loop() is not loop:
            inbox = self._inbox_for(loop)
        future = loop.create_future()
        context = contextvars.copy_context()
        tasks: list[asyncio.Task[Any]] = []
        workers = self._workers or self._start_workers()
        handling = sys.exception()
        queued_at = time.monotonic()
        workers.submit(Job(func, args, kwargs, context, handling, future, inbox, tasks, queued_at))
        try:
            return await future
        except asyncio.CancelledError:
            if future.cancelled():
                # The caller was cancelled. The thread runs on, but what it waits for on
                # the loop is cancelled too, so that it can return soon.
                for task in tasks:
                    task.cancel()
            raise
        finally:
            if not future.cancelled():
                restore_context(context)

    def _inbox_for(self, loop: asyncio.AbstractEventLoop) -> _Inbox:
        inbox = self._inboxes.get(loop)
        if inbox is None:
            inbox = self._inboxes[loop] = _Inbox(loop)
        self._inbox = inbox
        return inbox

    def _start_workers(self) -> _Workers:
        with self._lock:
            if self._workers is None:
                self._workers = _Workers(self.size)
            return self._workers


class PoolCall(Generic[P, R]):
    """A sync callable made awaitable: each call runs `func` in `pool`'s threads.

    It looks like `func` (name, docstring, attributes) and counts as a coroutine function,
    so the rest of Legato treats it as the async view or middleware it stands for.
    """

    __slots__ = ("__dict__", "func", "pool")

    def __init__(self, pool: ThreadPool, func: Callable[P, R]) -> None:
        if iscoroutinefunction(func):
            raise TypeError(
                f"{getattr(func, '__qualname__', func)!r} is async: await it directly "
                "instead of running it in the thread pool."
            )
        self.pool = pool
        self.func = func
        functools.update_wrapper(self, func)
        markcoroutinefunction(self)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        # A plain method returning the hop's coroutine: no second coroutine per call.
        return self.pool._hop(self.func, args, kwargs)

    def __repr__(self) -> str:
        return f"<PoolCall {getattr(self.func, '__qualname__', self.func)!r}>"


class _Workers:
    """The threads of one `ThreadPool` between two shut-downs, and their queue of calls.

    At most `size` threads run sync code at any moment; each holds one of the `size`
    places. A thread that waits for the event loop (`waiting_for_the_loop`: a sync
    middleware inside `get_response`, `async_to_sync` in a sync view) gives its place up
    meanwhile, so a queued call can start, and needs one again to go on: back from the
    loop it takes a free place, or queues for one behind the calls already waiting, and
    the thread that takes its request hands its own place over and ends. So threads are
    what waiting costs (one per request waiting below a sync layer), never places, and
    sync code above async code cannot cap how many requests are served.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.jobs: SimpleQueue[Job | _Grant | None] = SimpleQueue()
        self.stopping = False
        self._lock = threading.Lock()
        self._names = itertools.count()
        self._threads = 0  # threads holding a place: running a call, or idle
        self._idle = 0
        self._waiting = 0  # threads in a call but waiting for the loop: no place
        self._live = 0
        # Per thread, whether it runs sync code now: written without a lock (one dict
        # store per call), summed when someone asks.
        self._busy: dict[int, bool] = {}
        self.slow_starts = 0  # calls that waited longer than SLOW_START for a place
        self._warned: dict[str, float] = {}

    def submit(self, job: Job | _Grant) -> None:
        self.jobs.put(job)
        if self.stopping:  # stopped from another thread just now: no thread will take it
            self._cancel_queued()
            return
        with self._lock:
            if self._idle:
                self._idle -= 1  # that idle thread takes this call
                return
            if self._threads >= self.size:
                return  # every place is taken: the call waits its turn
            self._threads += 1
        self._start_thread()

    def release(self) -> None:
        """The calling thread waits for the loop: its place may serve a queued call."""
        self._busy[threading.get_ident()] = False
        with self._lock:
            self._threads -= 1
            self._waiting += 1
            start = not self._idle and self._threads < self.size and not self.jobs.empty()
            if start:
                self._threads += 1
        if start:
            self._start_thread()

    def resume(self) -> None:
        """The calling thread is back from the loop: take a place before running on."""
        with self._lock:
            self._waiting -= 1
            if self._threads < self.size:
                self._threads += 1
                self._busy[threading.get_ident()] = True
                return
        queued_at = time.monotonic()
        grant = _allocate_lock()
        grant.acquire()
        self.submit(grant)
        grant.acquire()  # released by the thread that hands its place over
        self._busy[threading.get_ident()] = True
        self._note_wait(getattr(_pool_thread, "func", None), queued_at)

    def stats(self) -> dict[str, int]:
        return {
            "threads": self._live,
            "busy": sum(self._busy.values()),
            "waiting_for_loop": self._waiting,
            "queued": self.jobs.qsize(),
            "slow_starts": self.slow_starts,
        }

    def stop(self) -> None:
        self.stopping = True
        self._cancel_queued()
        self.jobs.put(None)  # each thread puts it back for the next one

    def _start_thread(self) -> None:
        # Daemon: a sync view stuck in user code must not keep the process alive after
        # the server has drained and shut down.
        name = f"legato-sync_{next(self._names)}"
        with self._lock:
            self._live += 1
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def _work(self) -> None:
        try:
            self._serve()
        finally:
            self._busy.pop(threading.get_ident(), None)
            with self._lock:
                self._live -= 1

    def _serve(self) -> None:
        serve_async_to_sync_in_this_thread()
        _pool_thread.workers = self
        busy = self._busy
        ident = threading.get_ident()
        jobs = self.jobs
        while (job := jobs.get()) is not None:
            if not isinstance(job, Job):
                job.release()  # a grant: this thread's place goes to its holder
                return
            future = job.future
            if not future.cancelled():  # a caller cancelled while queued: skip, as asgiref
                self._note_wait(job.func, job.queued_at)
                route_async_to_sync(future.get_loop(), job.tasks)
                _pool_thread.func = job.func
                busy[ident] = True
                _run(job)
                busy[ident] = False
                _pool_thread.func = None
                job.inbox.post(job)
            # Dropped before waiting, so an idle thread keeps no request alive.
            del job, future
            if jobs.empty():
                # Only a thread about to wait counts as idle: one that goes on to a
                # queued call must not stop `submit` from starting another thread.
                with self._lock:
                    self._idle += 1
        jobs.put(None)

    def _note_wait(self, func: Callable[..., Any] | None, queued_at: float) -> None:
        waited = time.monotonic() - queued_at
        if waited <= SLOW_START:
            return
        name = dotted_name(func) if func is not None else "a sync call"
        now = time.monotonic()
        with self._lock:
            self.slow_starts += 1
            if now - self._warned.get(name, -SLOW_START_WARNING_EVERY) < SLOW_START_WARNING_EVERY:
                return
            self._warned[name] = now
        logger.warning(
            "%s waited %.0f ms for a thread: all %d threads of the sync pool are busy and "
            "%d more calls are queued. Make the slow sync code async, or raise "
            "thread_pool_size (LEGATO_THREAD_POOL_SIZE).",
            name,
            waited * 1000,
            self.size,
            self.jobs.qsize(),
        )

    def _cancel_queued(self) -> None:
        while True:
            try:
                job = self.jobs.get_nowait()
            except Empty:
                return
            if job is None:
                self.jobs.put(None)  # another stop's sentinel: the threads still need it
                return
            if not isinstance(job, Job):
                job.release()  # the waiting thread goes on
                continue
            future = job.future
            # A closed loop has nobody waiting for this call any more.
            with contextlib.suppress(RuntimeError):
                future.get_loop().call_soon_threadsafe(future.cancel)


# A lock held by a thread back from the loop, queued like a call: the thread that takes
# it releases it, which hands that thread's place over.
_Grant = _thread.LockType
_allocate_lock = _thread.allocate_lock


def _run(job: Job) -> None:
    try:
        job.result = job.context.run(_call, job)
    except BaseException as exc:
        job.error = exc


def _call(job: Job) -> Any:
    # Moves asgiref Local data, which is tied to a thread, into this one.
    restore_context(job.context)
    handling = job.handling
    if handling is None:
        return job.func(*job.args, **job.kwargs)
    # The caller is handling an exception (a process_exception hook, an error view):
    # handle it here too, so that sys.exc_info() and logger.exception() see it. Raising
    # it adds this frame to its traceback, which the caller still holds: put it back.
    traceback = handling.__traceback__
    try:
        raise handling
    except BaseException:
        return job.func(*job.args, **job.kwargs)
    finally:
        handling.__traceback__ = traceback


class _Inbox:
    """Where pool threads leave finished calls for one event loop.

    The first call finished since the loop last looked wakes it, by an eventfd write that
    releases the GIL (uvloop's `call_soon_threadsafe` wakes the loop while holding it);
    the others join the batch. On a loop without `add_reader` (Windows' proactor), each
    batch goes through `call_soon_threadsafe`.
    """

    __slots__ = ("_done", "_lock", "_read", "_wake", "_wakeup", "_woken", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)
        self._done: list[Job] = []
        self._lock = threading.Lock()
        self._woken = False
        self._wakeup: Wakeup | None = Wakeup(blocking=False)
        self._wake: Callable[[], object] = self._wakeup.wake
        self._read: Callable[[], object] = self._wakeup.read
        try:
            loop.add_reader(self._wakeup.fileno, self._settle)
        except NotImplementedError:
            self._wakeup.close()
            self._wakeup = None
            self._wake = self._call_soon
            self._read = _nothing

    def post(self, job: Job) -> None:
        """Hand a finished job to the loop (from a pool thread)."""
        with self._lock:
            self._done.append(job)
            wake, self._woken = not self._woken, True
        if wake:
            try:  # noqa: SIM105 - cheaper than contextlib.suppress, on the hot path
                self._wake()
            except RuntimeError:
                pass  # the loop is closed: nobody is waiting any more

    def _call_soon(self) -> None:
        loop = self.loop()
        if loop is not None:
            loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        try:  # noqa: SIM105 - cheaper than contextlib.suppress, on the hot path
            self._read()
        except BlockingIOError:
            pass  # read already, by the turn that settled this batch
        with self._lock:
            done, self._done = self._done, []
            self._woken = False
        for job in done:
            future = job.future
            if future.done():
                continue  # cancelled while the thread ran
            if job.error is None:
                future.set_result(job.result)
            else:
                future.set_exception(job.error)


def _nothing() -> None:
    pass


def waiting_for_the_loop(wait: Callable[P, R]) -> Callable[P, R]:
    """Wrap `wait`, a sync call that blocks until the event loop has done some work, so
    that a pool thread making it gives its place in the pool up meanwhile.

    What a sync layer above async code calls: `async_to_sync`, and, under WSGI, the
    worker's `LoopThread.run`. Outside the pool's threads, `wait` is simply called.
    """

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        workers = getattr(_pool_thread, "workers", None)
        if workers is None:
            return wait(*args, **kwargs)
        workers.release()
        try:
            return wait(*args, **kwargs)
        finally:
            workers.resume()

    # Named as `wait` in error messages; its __dict__ is not copied, since a marker there
    # could make this sync function pass for a coroutine function.
    return functools.update_wrapper(call, wait, _NAME_ATTRIBUTES, ())


_NAME_ATTRIBUTES = ("__module__", "__name__", "__qualname__", "__doc__")

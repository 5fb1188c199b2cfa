"""Bridge sync and async code with asgiref's semantics, plus the app's own thread pool.

`sync_to_async` and `async_to_sync` are asgiref's, so they behave exactly as a Django user
knows. What Legato adds is `ThreadPool`: the bounded pool in which sync views and sync-only
middleware run. It goes through asgiref's `SyncToAsync` so that `async_to_sync` called inside
a sync view finds the app's running loop and schedules the coroutine there, instead of
starting a private loop in yet another thread (loop-bound connection pools keep working).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import SyncToAsync, async_to_sync, iscoroutinefunction, sync_to_async

from legato.exceptions import SynchronousOnlyOperation

__all__ = [
    "ThreadPool",
    "async_to_sync",
    "async_unsafe",
    "iscoroutinefunction",
    "sync_to_async",
]

P = ParamSpec("P")
R = TypeVar("R")


class ThreadPool:
    """A bounded pool for sync views and middleware, created lazily, shut down with the app.

    Bounded on purpose: a flood of slow sync views queues up instead of starting threads
    without limit. The size is `App(thread_pool_size=...)`; the default follows Python's own
    rule for I/O-bound pools.
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = size if size is not None else min(32, (os.cpu_count() or 1) + 4)
        self._executor: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="legato-sync")
        return self._executor

    def wrap(self, func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        """Return an async callable that runs `func` in this pool, contextvars carried over."""
        bridge = SyncToAsync(func, thread_sensitive=False, executor=self.executor)
        functools.update_wrapper(bridge, func)
        return bridge

    async def run(self, func: Callable[[], R]) -> R:
        """Run a no-argument sync callable in the pool (used for sync iterators and files)."""
        return await SyncToAsync(func, thread_sensitive=False, executor=self.executor)()

    def shutdown(self) -> None:
        if self._executor is not None:
            # Threads stuck in user code cannot be interrupted; do not wait on them.
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def async_unsafe(message: str | Callable[..., Any]) -> Any:
    """Mark a sync function that must not run in a thread with a running event loop.

    Usable bare (`@async_unsafe`) or with a message (`@async_unsafe("ORM call")`); set
    `LEGATO_ALLOW_ASYNC_UNSAFE=1` to disable the check, as Django's
    `DJANGO_ALLOW_ASYNC_UNSAFE`.
    """

    def decorator(func: Callable[P, R], text: str) -> Callable[P, R]:
        @functools.wraps(func)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            _refuse_inside_event_loop(text)
            return func(*args, **kwargs)

        return inner

    if callable(message):
        default = "You cannot call this from an async context - use a thread or sync_to_async."
        return decorator(message, default)
    return functools.partial(decorator, text=message)


def _refuse_inside_event_loop(message: str) -> None:
    if os.environ.get("LEGATO_ALLOW_ASYNC_UNSAFE"):
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise SynchronousOnlyOperation(message)

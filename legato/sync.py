"""Bridge sync and async code with asgiref's semantics, plus the app's own thread pool.

`sync_to_async` is asgiref's and `async_to_sync` is asgiref's with one addition (a pool
thread that waits in it gives its place in the pool up), so both behave exactly as a
Django user knows. `ThreadPool` is the bounded pool in which Legato runs sync views,
middleware and hooks. The runtime behind these names (pool, loop thread, wake-ups, the
asgiref internals it relies on) lives in `legato._runtime`, whose docstring explains the
threading model.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async

from legato._runtime.bridge import async_to_sync
from legato._runtime.pool import (
    DEFAULT_POOL_SIZE,
    SLOW_START,
    SLOW_START_WARNING_EVERY,
    PoolCall,
    ThreadPool,
    waiting_for_the_loop,
)
from legato.exceptions import SynchronousOnlyOperation

__all__ = [
    "DEFAULT_POOL_SIZE",
    "SLOW_START",
    "SLOW_START_WARNING_EVERY",
    "PoolCall",
    "ThreadPool",
    "async_to_sync",
    "async_unsafe",
    "iscoroutinefunction",
    "markcoroutinefunction",
    "sync_to_async",
    "waiting_for_the_loop",
]

P = ParamSpec("P")
R = TypeVar("R")


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

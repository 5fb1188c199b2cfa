"""Call async code from sync code: asgiref's `async_to_sync`, which frees a pool place.

`sync_to_async` needs nothing of Legato's (sync code that Legato itself calls from the
loop goes through `pool.ThreadPool`), so `legato.sync` exports asgiref's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar, overload

from asgiref.sync import async_to_sync as _asgiref_async_to_sync

from legato._runtime.pool import waiting_for_the_loop

__all__ = ["async_to_sync"]

P = ParamSpec("P")
R = TypeVar("R")


@overload
def async_to_sync(
    *, force_new_loop: bool = False
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, R]]: ...


@overload
def async_to_sync(
    awaitable: Callable[P, Awaitable[R]], *, force_new_loop: bool = False
) -> Callable[P, R]: ...


def async_to_sync(
    awaitable: Callable[P, Awaitable[R]] | None = None, *, force_new_loop: bool = False
) -> Callable[P, R] | Callable[[Callable[P, Awaitable[R]]], Callable[P, R]]:
    """asgiref's `async_to_sync`, which also frees the caller's place in Legato's pool.

    In a sync view or middleware the call waits for the app's event loop; made from one
    of the pool's threads, that thread no longer counts against `thread_pool_size` while
    it waits, so sync code above async code never caps how many requests are served.
    Use it as asgiref's: `async_to_sync(func)(...)` or `@async_to_sync`.
    """
    if awaitable is None:

        def decorator(func: Callable[P, Awaitable[R]]) -> Callable[P, R]:
            return async_to_sync(func, force_new_loop=force_new_loop)

        return decorator
    return waiting_for_the_loop(_asgiref_async_to_sync(awaitable, force_new_loop=force_new_loop))

"""Cross between sync and async code without a hop where none is needed.

- `async_to_sync`: asgiref's, which also frees the caller's place in the pool while it
  waits for the loop. `sync_to_async` needs nothing of Legato's (sync code Legato itself
  calls from the loop goes through `pool.ThreadPool`), so `legato.sync` exports asgiref's.
- `run_inline`, `inline`, `lift`: a coroutine that never waits for the loop is plain code
  that happens to be written with `async def`, and a thread runs it to its end with one
  `send()`, no loop involved. The middleware chain uses this to run its layers, which are
  written once as coroutines, in a thread (a pool thread, or a WSGI server's), where any
  part that needs the loop waits for it instead of awaiting it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, overload

from asgiref.sync import async_to_sync as _asgiref_async_to_sync

from legato._runtime.pool import waiting_for_the_loop

__all__ = ["async_to_sync", "inline", "lift", "named_as", "run_inline"]

P = ParamSpec("P")
R = TypeVar("R")
W = TypeVar("W", bound=Callable[..., Any])


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


def run_inline(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run `coroutine` to its end in this thread; return its result, or raise its exception.

    Only for one that never waits for the loop (everything it awaits returns without
    suspending): there is no loop here to resume it.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: R = done.value
        return result
    coroutine.close()
    raise RuntimeError(
        f"{coroutine!r} waited for the event loop in a thread that runs it without one. "
        "This is a bug in Legato: the part of the chain that needs the loop should have "
        "been adapted to wait for it; please report it."
    )


def inline(coroutine_function: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, R]:
    """A sync callable that runs `coroutine_function`'s coroutine with `run_inline`."""

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return run_inline(coroutine_function(*args, **kwargs))

    return named_as(call, coroutine_function)


def lift(func: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """A coroutine function that calls the sync `func`: awaited, it never waits."""

    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return func(*args, **kwargs)

    return named_as(call, func)


def named_as(wrapper: W, wrapped: object) -> W:
    """Give `wrapper` the name of `wrapped` (of its class, for an instance), as error
    messages and the pool's slow-start warnings show it.

    The `__dict__` is not copied, since a marker there could make a sync function pass
    for a coroutine function or the reverse.
    """
    functools.update_wrapper(wrapper, wrapped, _NAME_ATTRIBUTES, ())  # type: ignore[arg-type]
    if not hasattr(wrapped, "__qualname__"):  # an instance (a middleware): its class's name
        wrapper.__name__ = type(wrapped).__name__
        wrapper.__qualname__ = type(wrapped).__qualname__
    return wrapper


_NAME_ATTRIBUTES = ("__module__", "__name__", "__qualname__", "__doc__")

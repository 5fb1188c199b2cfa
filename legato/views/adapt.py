"""Turn any view into the one shape the pipeline calls: an async callable.

Done once per route when the URL table is compiled. An `async def` view is used as it
is (no wrapper, no thread); a sync view is wrapped to run in the app's thread pool; an
app with a database gives it `request.db`; an app-wide `request_timeout` wraps the result
in a deadline.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from legato.db.database import Database
from legato.db.request_session import with_request_session
from legato.exceptions import RequestTimeout
from legato.sync import ThreadPool, iscoroutinefunction

__all__ = ["adapt_view", "with_deadline"]

AsyncView = Callable[..., Awaitable[Any]]


def adapt_view(
    view: Callable[..., Any],
    thread_pool: ThreadPool,
    *,
    timeout: float | None = None,
    database: Database | None = None,
) -> AsyncView:
    adapted: AsyncView = view if iscoroutinefunction(view) else thread_pool.wrap(view)
    if database is not None:
        # Inside the deadline, so a timed-out view's session is rolled back too.
        adapted = with_request_session(adapted, database)
    if timeout is not None and not getattr(view, "legato_timeout", None):
        adapted = with_deadline(adapted, timeout)
    return adapted


def with_deadline(view: AsyncView, seconds: float) -> AsyncView:
    """Cancel `view` after `seconds` and raise RequestTimeout (answered with 504).

    A sync view running in a thread cannot be interrupted: the client gets its 504 on
    time, but the thread runs on until the function returns, and its result is dropped.
    """

    @functools.wraps(view)
    async def deadline(*args: Any, **kwargs: Any) -> Any:
        scope = asyncio.timeout(seconds)
        try:
            async with scope:
                return await view(*args, **kwargs)
        except TimeoutError:
            if scope.expired():
                raise RequestTimeout(
                    f"The view did not answer within {seconds:g} seconds."
                ) from None
            raise

    return deadline

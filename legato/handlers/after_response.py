"""Run the work a view scheduled with `request.after_response(...)`, once the response is sent.

It runs in the request's own task, after the last byte went out, so the client is not
kept waiting and the shut-down grace period covers it like any request in flight. Each
call runs in order; sync callables run in the thread pool. A failure is logged with the
request's method, path and id and does not stop the calls after it.
"""

from __future__ import annotations

import logging

from legato._logsafe import escape_for_log
from legato.http.request import HttpRequest
from legato.sync import ThreadPool, iscoroutinefunction

__all__ = ["run_after_response"]

logger = logging.getLogger("legato.request")


async def run_after_response(request: HttpRequest, thread_pool: ThreadPool) -> None:
    for func, args, kwargs in request.after_response_calls:
        try:
            if iscoroutinefunction(func):
                await func(*args, **kwargs)
            else:
                await thread_pool.wrap(func)(*args, **kwargs)
        except Exception:
            logger.exception(
                "After-response work %s failed: %s %s (request id %s)",
                getattr(func, "__qualname__", func),
                escape_for_log(request.method),
                escape_for_log(request.path),
                request.id,
            )

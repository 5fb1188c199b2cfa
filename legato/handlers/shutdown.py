"""Shut down the requests in flight: end endless streams at once, cut what outlives the grace.

Shut-down begins (`HttpShutdown.begin`) as soon as the server is asked to stop. The ASGI
handler then answers new requests 503 (its `draining` flag, the only test on the hot
path), and every stream whose response `ends_at_shutdown` (event streams) is ended at
once, so its client reconnects to another process instead of holding this one for the
whole grace period. The other requests get `shutdown_grace` seconds (`drain`); those
still running then are cut.

Both endings are cancellations, so the view's and the stream's `finally` blocks run, as
when a client leaves. Each is made through `Cuts`, which remembers the tasks it
cancelled: the handler asks `claims(task)` to tell Legato's own cancellation from
anyone else's. A claimed one is answered here, with one log line and no traceback: 503
with `Retry-After` and `Connection: close` if the response had not started, the stream's
closing chunk if it had. Any other cancellation (the server's, an outer wrapper's, a
timeout's) keeps propagating.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from legato._logsafe import escape_for_log
from legato._types import Send
from legato.handlers.disconnect import DisconnectWatcher
from legato.http.request import HttpRequest
from legato.http.response import StreamingHttpResponse

__all__ = ["Cuts", "HttpShutdown", "send_unavailable"]

logger = logging.getLogger("legato.request")

Task = asyncio.Task[Any]

# After the cut, how long the cut requests get to answer and run their `finally` blocks.
CUT_TIMEOUT = 1.0


class Cuts:
    """The tasks Legato cancelled for shut-down, so their cancellation can be recognised."""

    def __init__(self) -> None:
        self._cut: set[Task] = set()

    def cut(self, task: Task) -> None:
        if not task.done():
            self._cut.add(task)
            task.cancel()

    def claims(self, task: Task) -> bool:
        """Whether `task`'s cancellation is Legato's shut-down cut alone (asked once).

        If someone else cancelled the task too, the cut is withdrawn and the answer is
        no: their cancellation goes on.
        """
        if task not in self._cut:
            return False
        self._cut.discard(task)
        return task.uncancel() == 0

    def forget(self) -> None:
        """Drop the marks of tasks that swallowed their cancellation and ended anyway."""
        self._cut.clear()


class HttpShutdown:
    """Shut-down of one ASGI handler's HTTP requests."""

    def __init__(self, requests: DisconnectWatcher) -> None:
        self.requests = requests
        self.cuts = Cuts()
        # Streams whose start is sent, so `begin` can end those that end at shut-down.
        self.streams: dict[Task, StreamingHttpResponse] = {}
        self.grace_over = False

    def begin(self) -> None:
        """End every open stream whose response `ends_at_shutdown`."""
        self.grace_over = False
        for task, response in list(self.streams.items()):
            if response.ends_at_shutdown:
                self.cuts.cut(task)

    async def drain(self, grace: float) -> None:
        """Give the requests in flight `grace` seconds, then cut those still running."""
        pending = self.requests.tasks()
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            self.grace_over = True
            for task in late:
                self.cuts.cut(task)
            if late:
                await asyncio.wait(late, timeout=CUT_TIMEOUT)
        self.cuts.forget()

    async def refuse(self, task: Task, request: HttpRequest, send: Send) -> None:
        """Answer a request cut before its response started: 503, and one log line."""
        self.report(task, request, "cut", "answered 503")
        request.after_response_calls = ()  # a cut request runs nothing more
        with contextlib.suppress(OSError):  # the client may be gone as well
            await send_unavailable(send)

    def end_stream(
        self, task: Task, request: HttpRequest, response: StreamingHttpResponse
    ) -> bytes | None:
        """Log a stream ended by shut-down; return its closing chunk, or None: leave it short.

        A stream with a Content-Length is left short: ending it early would pass a
        truncated body off as complete.
        """
        request.after_response_calls = ()
        if response.has_header("Content-Length"):
            self.report(task, request, "cut", "left its body short of its Content-Length")
            return None
        if self.grace_over:
            self.report(task, request, "cut", "ended its stream")
        else:
            self.report(task, request, "ended the stream of", "", level=logging.INFO)
        return response.closing_chunk()

    def report(
        self,
        task: Task,
        request: HttpRequest,
        action: str,
        outcome: str,
        level: int = logging.WARNING,
    ) -> None:
        """One line per request: "Shut-down cut GET /report/ (request id ...) after 10.0 s: ..."."""
        seconds = self.requests.running_for(task)
        logger.log(
            level,
            "Shut-down %s %s %s (request id %s)%s%s.",
            action,
            escape_for_log(request.method),
            escape_for_log(request.path),
            request.id,
            "" if seconds is None else f" after {seconds:.1f} s",
            f": {outcome}" if outcome else "",
        )


async def send_unavailable(send: Send) -> None:
    body = b"The server is shutting down; retry on another connection."
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"retry-after", b"1"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})

"""Cancel a request's work when its client goes away, at almost no cost when it stays.

Watching for `http.disconnect` needs a task blocked on `receive()`. Starting one for
every request would cost more than a hello-world view itself, so the watcher starts
lazily: `loop.call_soon` schedules it for the next turn of the event loop, which only
comes if the request actually waits on something (a sleep, a query, a slow stream). A
request that completes without yielding cancels the callback and never creates a task.

Once started, the watcher cancels the request's task on disconnect; the ASGI handler
recognises that cancellation (`client_gone`) and ends quietly, after every `finally`
block and `async with` exit in the view or the stream has run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["DisconnectWatch"]

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


class DisconnectWatch:
    """Watch one request's `receive` channel from the next loop turn until `stop()`."""

    __slots__ = ("_handle", "_receive", "_task", "_watcher", "client_gone", "stopped")

    def __init__(self, receive: Receive, task: asyncio.Task[Any]) -> None:
        self._receive = receive
        self._task = task
        self._watcher: asyncio.Task[None] | None = None
        self.client_gone = False
        self.stopped = False
        self._handle: asyncio.Handle | None = task.get_loop().call_soon(self._start)

    def _start(self) -> None:
        self._handle = None
        if not self.stopped:
            self._watcher = self._task.get_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass  # body chunks after the body was complete: nothing to do with them
        # Servers also report a disconnect once the response is complete; by then the
        # handler has called stop(), so only a client that really left cancels the work.
        if not self.stopped:
            self.client_gone = True
            self._task.cancel()

    def stop(self) -> None:
        self.stopped = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()

"""Cancel a request's work when its client goes away, at almost no cost when it stays.

Watching for `http.disconnect` needs a task blocked on `receive()`. Starting one for
every request would cost more than a hello-world view itself, so watchers start lazily:
a request registers a `Watch`, and one loop callback per turn of the event loop starts
the watchers of the requests that are still running by then. A request that completes
without yielding to the loop (most short requests) never gets a task, and the loop
callback is shared by every request of that turn.

Once started, a watcher cancels the request's task on disconnect; the ASGI handler
recognises that cancellation (`client_gone`) and ends quietly, after every `finally`
block and `async with` exit in the view or the stream has run.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from legato._types import Receive

__all__ = ["DisconnectWatcher", "Watch"]


# call_soon() copies the current context unless it is given one; starting watchers needs
# none of the request's context variables.
_NO_CONTEXT = contextvars.Context()


class Watch:
    """One request's watch: started on the next loop turn unless stopped before."""

    __slots__ = ("_receive", "_task", "_watcher", "client_gone", "stopped")

    def __init__(self, receive: Receive, task: asyncio.Task[Any]) -> None:
        self._receive = receive
        self._task = task
        self._watcher: asyncio.Task[None] | None = None
        self.client_gone = False
        self.stopped = False

    def start(self) -> None:
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
        watcher, self._watcher = self._watcher, None
        if watcher is not None and not watcher.done():
            watcher.cancel()
        # The watcher task and this Watch refer to each other; dropping the references
        # lets a finished request be freed at once instead of waiting for the cyclic GC.
        self._task = None  # type: ignore[assignment]


class DisconnectWatcher:
    """Start the watches registered during one loop turn, in one callback, on the next."""

    def __init__(self) -> None:
        # Keyed by loop: an app is normally served by one loop, but nothing forbids more.
        self._pending: dict[asyncio.AbstractEventLoop, list[Watch]] = {}

    def watch(self, receive: Receive, task: asyncio.Task[Any]) -> Watch:
        watch = Watch(receive, task)
        loop = task.get_loop()
        pending = self._pending.get(loop)
        if pending is None:
            self._pending[loop] = [watch]
            loop.call_soon(self._start_pending, loop, context=_NO_CONTEXT)
        else:
            pending.append(watch)
        return watch

    def _start_pending(self, loop: asyncio.AbstractEventLoop) -> None:
        for watch in self._pending.pop(loop, ()):
            if not watch.stopped:
                watch.start()

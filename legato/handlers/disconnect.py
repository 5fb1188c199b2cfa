"""Track the requests in flight, and cancel those whose client goes away.

Watching for `http.disconnect` needs a task blocked on `receive()`. Starting one for
every request would cost more than a hello-world view itself, so watchers start lazily:
every request is one entry of `in_flight` (task -> its `receive` while the view runs,
None otherwise), and a timer on each serving loop, every `WATCH_INTERVAL` seconds,
starts a watcher for each request whose view is running at that moment. A request that
finishes between two ticks (most requests) never gets one: it costs a dict entry and
nothing else, not even a loop callback.

Once started, a watcher cancels the request's task on disconnect and records it in
`gone`; the ASGI handler recognises that cancellation (`client_gone`) and ends quietly,
after every `finally` block and `async with` exit in the view or the stream has run.
The same registry tells shut-down which requests to wait for (`tasks`), and, for a
request whose view outlasted a tick, about how long it has been running (`running_for`:
from the tick that first saw it, so up to one interval short).
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from legato._types import Receive

__all__ = ["WATCH_INTERVAL", "DisconnectWatcher"]

RequestTask = asyncio.Task[Any]

# How long a view may run before its client is watched, at most twice this. Work for a
# client that left within that time runs to its end, which is harmless at this scale.
WATCH_INTERVAL = 0.05

# Timer callbacks copy the current context unless given one; the tick needs none of a
# request's context variables.
_NO_CONTEXT = contextvars.Context()


class DisconnectWatcher:
    """The requests in flight, and watchers for those whose view outlasts a tick."""

    def __init__(self, interval: float = WATCH_INTERVAL) -> None:
        self.interval = interval
        self.in_flight: dict[RequestTask, Receive | None] = {}
        self._watchers: dict[RequestTask, asyncio.Task[None]] = {}
        self._watched_since: dict[RequestTask, float] = {}  # loop time; keys as _watchers
        self._gone: set[RequestTask] = set()
        self.cancelled_views = 0  # requests whose work a disconnect cancelled
        # One timer per loop serving requests: normally one, but nothing forbids more,
        # and a loop closed with its timer pending must not stall the others.
        self._ticking: set[asyncio.AbstractEventLoop] = set()

    def enter(self, task: RequestTask) -> None:
        """`task` serves a request: shut-down waits for it."""
        self.in_flight[task] = None

    def watch(self, task: RequestTask, receive: Receive) -> None:
        """The view is starting: from the next tick on, a disconnect cancels `task`."""
        self.in_flight[task] = receive
        loop = task.get_loop()
        if loop not in self._ticking:
            self._start_ticking(loop)

    def stop(self, task: RequestTask) -> None:
        """The response is complete (or abandoned): a later disconnect means nothing."""
        self.in_flight[task] = None
        if self._watchers:
            watcher = self._watchers.pop(task, None)
            if watcher is not None:
                watcher.cancel()
                del self._watched_since[task]
        if self._gone:
            self._gone.discard(task)  # a view that swallowed its cancellation

    def leave(self, task: RequestTask) -> None:
        """`task` is done with its request."""
        del self.in_flight[task]

    def tasks(self) -> set[RequestTask]:
        """The request tasks still running."""
        return {task for task in self.in_flight if not task.done()}

    def running_for(self, task: RequestTask) -> float | None:
        """Seconds since a tick first saw `task`'s view running; None if none has."""
        since = self._watched_since.get(task)
        return None if since is None else task.get_loop().time() - since

    def client_gone(self, task: RequestTask) -> bool:
        """Whether `task` was cancelled because its client disconnected (asked once)."""
        if task in self._gone:
            self._gone.discard(task)
            return True
        return False

    def _start_ticking(self, loop: asyncio.AbstractEventLoop) -> None:
        # A loop closed while its timer was pending never ticks again: forget it here.
        self._ticking = {other for other in self._ticking if not other.is_closed()}
        self._ticking.add(loop)
        loop.call_later(self.interval, self._tick, loop, context=_NO_CONTEXT)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        watchers = self._watchers
        serving = False
        for task, receive in list(self.in_flight.items()):
            if task.get_loop() is not loop:
                continue
            serving = True
            if receive is not None and task not in watchers:
                watchers[task] = loop.create_task(self._watch(task, receive))
                self._watched_since[task] = loop.time()
        if serving:
            loop.call_later(self.interval, self._tick, loop, context=_NO_CONTEXT)
        else:
            self._ticking.discard(loop)  # idle: the next request starts the timer again

    async def _watch(self, task: RequestTask, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass  # body chunks after the body was complete: nothing to do with them
        # Servers also report a disconnect once the response is complete; by then the
        # handler has called stop(), so only a client that really left cancels the work.
        if self.in_flight.get(task) is receive:
            self._watchers.pop(task, None)
            self._watched_since.pop(task, None)
            self._gone.add(task)
            self.cancelled_views += 1
            task.cancel()

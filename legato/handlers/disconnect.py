"""Cancel a request's work when its client goes away, at almost no cost when it stays.

Watching for `http.disconnect` needs a task blocked on `receive()`. Starting one for
every request would cost more than a hello-world view itself, so watchers start lazily:
a request registers its task and `receive` in a dict, and one loop callback per turn of
the event loop starts watchers for the requests of that turn that are still registered
by then. A request that completes without yielding to the loop (most short requests)
costs two dict operations and a list append; no object is created for it.

Once started, a watcher cancels the request's task on disconnect and records it in
`gone`; the ASGI handler recognises that cancellation (`client_gone`) and ends quietly,
after every `finally` block and `async with` exit in the view or the stream has run.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from legato._types import Receive

__all__ = ["DisconnectWatcher"]

RequestTask = asyncio.Task[Any]

# call_soon() copies the current context unless it is given one; starting watchers needs
# none of the request's context variables.
_NO_CONTEXT = contextvars.Context()


class DisconnectWatcher:
    """The requests whose view is running, and watchers for those that outlast a turn."""

    def __init__(self) -> None:
        self._receives: dict[RequestTask, Receive] = {}
        # Keyed by loop: an app is normally served by one loop, but nothing forbids more
        # (and a loop closed before its callback ran must not stall the others).
        self._new: dict[asyncio.AbstractEventLoop, list[RequestTask]] = {}
        self._watchers: dict[RequestTask, asyncio.Task[None]] = {}
        self._gone: set[RequestTask] = set()

    def watch(self, task: RequestTask, receive: Receive) -> None:
        """Start watching `task`'s client on the next loop turn, unless `stop` comes first."""
        self._receives[task] = receive
        loop = task.get_loop()
        new = self._new.get(loop)
        if new is None:
            self._new[loop] = [task]
            loop.call_soon(self._start_new, loop, context=_NO_CONTEXT)
        else:
            new.append(task)

    def stop(self, task: RequestTask) -> None:
        """The response is complete (or abandoned): a later disconnect means nothing."""
        del self._receives[task]
        if self._watchers:
            watcher = self._watchers.pop(task, None)
            if watcher is not None:
                watcher.cancel()
        if self._gone:
            self._gone.discard(task)  # a view that swallowed its cancellation

    def client_gone(self, task: RequestTask) -> bool:
        """Whether `task` was cancelled because its client disconnected (asked once)."""
        if task in self._gone:
            self._gone.discard(task)
            return True
        return False

    def _start_new(self, loop: asyncio.AbstractEventLoop) -> None:
        receives = self._receives
        for task in self._new.pop(loop, ()):
            receive = receives.get(task)
            if receive is not None:
                self._watchers[task] = loop.create_task(self._watch(task, receive))

    async def _watch(self, task: RequestTask, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass  # body chunks after the body was complete: nothing to do with them
        # Servers also report a disconnect once the response is complete; by then the
        # handler has called stop(), so only a client that really left cancels the work.
        if task in self._receives:
            self._watchers.pop(task, None)
            self._gone.add(task)
            task.cancel()

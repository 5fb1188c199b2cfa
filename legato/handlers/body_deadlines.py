"""Cut request bodies that arrive too slowly, with one timer per loop, not one per request.

A body must arrive within `request_body_timeout` seconds of the start of its read, plus
one second per `request_body_min_rate` bytes received (Apache mod_reqtimeout's rule).
Arming a timer for every framed request would cost more than reading a small body, so a
read is one entry of `reading` (a `BodyRead`, whose byte count the reader updates) and a
timer on each serving loop, every `interval` seconds while reads are registered there,
cancels the tasks whose deadline has passed. The reader recognises that cancellation
(`expired`) and raises `RequestBodyTimeout`; a read is cut at most `interval` late.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

__all__ = ["BodyDeadlines", "BodyRead"]

RequestTask = asyncio.Task[Any]

# Timer callbacks copy the current context unless given one; the tick needs none of a
# request's context variables.
_NO_CONTEXT = contextvars.Context()


class BodyRead:
    """One body being read: when it started and how many bytes have come."""

    __slots__ = ("received", "started")

    def __init__(self, started: float) -> None:
        self.started = started
        self.received = 0


class BodyDeadlines:
    """The body reads in progress, and the timer that cuts the late ones."""

    def __init__(self, timeout: float | None, min_rate: float | None) -> None:
        self.timeout = timeout
        self.min_rate = min_rate or None
        # A tenth of the timeout: a read is cut at most 10% late, and never 1 s late.
        self.interval = min(1.0, timeout / 10) if timeout is not None else 0.0
        self.reading: dict[RequestTask, BodyRead] = {}
        self._expired: set[RequestTask] = set()
        self._ticking: set[asyncio.AbstractEventLoop] = set()

    def start(self, task: RequestTask) -> BodyRead | None:
        """`task` starts reading a body; None when bodies have no time limit."""
        if self.timeout is None:
            return None
        loop = task.get_loop()
        read = self.reading[task] = BodyRead(loop.time())
        if loop not in self._ticking:
            self._start_ticking(loop)
        return read

    def stop(self, task: RequestTask) -> None:
        """`task` is done reading (or was cut)."""
        self.reading.pop(task, None)

    def expired(self, task: RequestTask) -> bool:
        """Whether `task` was cancelled here, its body late (asked once)."""
        if task in self._expired:
            self._expired.discard(task)
            return True
        return False

    def deadline(self, read: BodyRead) -> float:
        deadline = read.started + (self.timeout or 0.0)
        if self.min_rate is not None:
            deadline += read.received / self.min_rate
        return deadline

    def _start_ticking(self, loop: asyncio.AbstractEventLoop) -> None:
        # A loop closed while its timer was pending never ticks again: forget it here.
        self._ticking = {other for other in self._ticking if not other.is_closed()}
        self._ticking.add(loop)
        loop.call_later(self.interval, self._tick, loop, context=_NO_CONTEXT)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        reading = False
        for task, read in list(self.reading.items()):
            if task.get_loop() is not loop:
                continue
            if now < self.deadline(read):
                reading = True
            else:
                del self.reading[task]
                self._expired.add(task)
                task.cancel()
        if reading:
            loop.call_later(self.interval, self._tick, loop, context=_NO_CONTEXT)
        else:
            self._ticking.discard(loop)  # idle: the next read starts the timer again

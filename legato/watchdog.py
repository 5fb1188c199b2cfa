"""Notice when an event loop stops turning, and name the view and the line that blocked it.

An async view that calls `time.sleep()`, a sync library or a CPU-bound loop stops every
other request of the process, silently. This module makes that loud:

- Each watched loop has a heartbeat: a timer every `threshold / 4` seconds that records
  when the loop last turned. It costs a few timer callbacks per second, nothing per
  request.
- One daemon thread per process (`Watchdog`) looks at the heartbeats. When a loop has
  not turned for half its threshold, the thread reads that loop thread's stack
  (`sys._current_frames()`) and keeps a description of it: the request being served
  (found in the frames' `request` / `ws` locals), the innermost frame, and the project's
  own frames (not the standard library, site-packages or Legato).
- When the loop turns again, its heartbeat sees how late it is; over the threshold, it
  logs one warning (`legato.stalls`) with that description, e.g.
  `Event loop blocked for 212 ms in view shop.views.checkout (GET /checkout/) at
  shop/views.py:42: time.sleep(0.2)`.

A loop that was stopped (not blocked) is not reported. A stall during which the blocking
code never released the GIL leaves no stack to read; it is reported without one.
"""

from __future__ import annotations

import asyncio
import functools
import linecache
import logging
import os
import sys
import sysconfig
import threading
import time
import weakref
from collections.abc import Iterator
from types import FrameType
from typing import Any

from legato._logsafe import escape_for_log
from legato._names import dotted_name

__all__ = ["LoopWatch", "Watchdog", "default_threshold", "watchdog"]

logger = logging.getLogger("legato.stalls")

# How many of the project's own frames a warning lists, innermost first.
_PROJECT_FRAMES = 4
_LEGATO_DIR = os.path.dirname(os.path.abspath(__file__))


def default_threshold(debug: bool) -> float:
    """The stall threshold when the app sets none: tighter while developing."""
    return 0.1 if debug else 0.5


class LoopWatch:
    """The heartbeat of one event loop, and what the watchdog saw while it was late."""

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold: float) -> None:
        self.loop = loop
        self.thread_id = threading.get_ident()  # created on the loop's own thread
        self.threshold = threshold
        self.interval = threshold / 4
        self.last_beat = time.monotonic()
        self.stalls = 0
        self.snapshot: str | None = None  # written by the watchdog thread, read by beat()
        self.paused = False
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self.last_beat = time.monotonic()
        self._handle = self.loop.call_later(self.interval, self.beat)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def beat(self) -> None:
        now = time.monotonic()
        late = now - self.last_beat - self.interval
        if late > self.threshold and not self.paused:
            self.stalls += 1
            self._report(late)
        self.snapshot = None
        self.paused = False
        self.last_beat = now
        self._handle = self.loop.call_later(self.interval, self.beat)

    def look(self, now: float) -> None:
        """From the watchdog thread: describe the loop thread's stack if the loop is late."""
        if self.snapshot is not None or now - self.last_beat < self.interval + self.threshold / 2:
            return
        if not self.loop.is_running():
            self.paused = True  # stopped between two runs: not blocked
            return
        frame = sys._current_frames().get(self.thread_id)
        if frame is not None:
            self.snapshot = describe_stack(frame)

    def _report(self, late: float) -> None:
        where = self.snapshot or (
            "somewhere the stack could not be read (the blocking code held the GIL throughout)"
        )
        logger.warning("Event loop blocked for %.0f ms %s", late * 1000, where)


class Watchdog:
    """The thread that checks every watched loop's heartbeat; one per process."""

    def __init__(self) -> None:
        self._watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopWatch] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, threshold: float) -> LoopWatch | None:
        """Watch the running loop (called on it); None if `threshold` is 0 (off)."""
        if threshold <= 0:
            return None
        loop = asyncio.get_running_loop()
        with self._lock:
            watch = self._watches.get(loop)
            if watch is not None and watch.threshold <= threshold:
                return watch
            if watch is not None:
                watch.stop()
            watch = self._watches[loop] = LoopWatch(loop, threshold)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="legato-watchdog", daemon=True
                )
                self._thread.start()
        watch.start()
        self._wake.set()  # a tighter threshold may need a shorter nap
        return watch

    def unwatch(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            watch = self._watches.pop(loop, None)
        if watch is not None:
            watch.stop()

    def stalls(self, loop: asyncio.AbstractEventLoop) -> int:
        watch = self._watches.get(loop)
        return 0 if watch is None else watch.stalls

    def _run(self) -> None:
        while True:
            with self._lock:
                watches = [w for w in self._watches.values() if not w.loop.is_closed()]
                if not watches:
                    self._thread = None
                    return
            now = time.monotonic()
            for watch in watches:
                watch.look(now)
            self._wake.wait(min(each.interval for each in watches) / 2)
            self._wake.clear()


watchdog = Watchdog()


def describe_stack(innermost: FrameType) -> str:
    """Describe a blocked loop thread's stack: the request, the line, the project frames."""
    frames = list(_outward(innermost))
    project = [frame for frame in frames if _is_project_file(frame.f_code.co_filename)]
    # The line to fix is the project's innermost one; the library frames below it only
    # say how the call blocks.
    blocking, callers = (project[0], project[1:_PROJECT_FRAMES]) if project else (frames[0], [])
    text = f"{_served(frames)} at {_location(blocking)}"
    if blocking is not frames[0]:
        text += f"\n  innermost frame: {_location(frames[0])}"
    return text + "".join(f"\n  called from {_location(frame)}" for frame in callers)


def _outward(frame: FrameType | None) -> Iterator[FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _served(frames: list[FrameType]) -> str:
    """What the loop was doing: the view and request, or the websocket, or neither."""
    from legato.http.request import HttpRequest
    from legato.websocket import WebSocket

    for frame in frames:
        names = frame.f_code.co_varnames
        if "request" in names:
            request = frame.f_locals.get("request")
            if isinstance(request, HttpRequest):
                return _describe_request(request)
        if "ws" in names:
            ws = frame.f_locals.get("ws")
            if isinstance(ws, WebSocket):
                return f"in websocket {escape_for_log(ws.path)}"
    return f"in {frames[0].f_code.co_qualname} (no request: start-up, shut-down or a task)"


def _describe_request(request: Any) -> str:
    target = f"{escape_for_log(request.method)} {escape_for_log(request.path)}"
    match = request.resolver_match
    if match is None:
        return f"in middleware ({target}, before its view)"
    return f"in view {dotted_name(match.func)} ({target})"


def _location(frame: FrameType) -> str:
    filename = frame.f_code.co_filename
    line = linecache.getline(filename, frame.f_lineno).strip()
    shown = os.path.relpath(filename) if filename.startswith(os.getcwd() + os.sep) else filename
    return f"{shown}:{frame.f_lineno}: {line}" if line else f"{shown}:{frame.f_lineno}"


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    return tuple(root + os.sep for root in (*sorted(dirs), _LEGATO_DIR))


def _is_project_file(filename: str) -> bool:
    if filename.startswith("<"):  # <frozen ...>, <string>
        return False
    return not os.path.abspath(filename).startswith(_library_dirs())

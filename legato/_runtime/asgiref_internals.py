"""Every part of asgiref that is not its public API and that Legato relies on, in one place.

Legato's pool re-creates asgiref's `SyncToAsync` hop rather than calling it (see
`pool`), so it must do what that hop does to asgiref's own state:

- move the caller's context into the pool thread and back with `_restore_context`,
  which also re-homes `asgiref.local.Local` data to the thread it is moved to;
- set the thread-local `SyncToAsync.threadlocal` that asgiref's `async_to_sync` reads to
  find the loop to run coroutines on (`main_event_loop`, valid only in the process named
  by `main_event_loop_pid`) and the list in which to record the tasks it starts
  (`task_context`), which a cancelled caller cancels.

A WSGI server's thread sets the same thread-local, so `async_to_sync` in a sync view runs
on the app's loop there too. These names are private to asgiref and may change in any
release: `tests/_runtime/test_asgiref_internals.py` checks each one against the installed
asgiref and says what changed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from asgiref.sync import SyncToAsync, _restore_context

__all__ = [
    "restore_context",
    "route_async_to_sync",
    "serve_async_to_sync_in_this_thread",
    "use_loop_in_this_thread",
]

# What asgiref's `async_to_sync` reads in the thread it is called from.
_threadlocal = SyncToAsync.threadlocal


# `restore_context(context)` sets, in the current context, every variable `context` holds
# a different value for, re-homing `Local` data to this thread: asgiref's own step at both
# ends of a hop. Not wrapped: it runs twice per pool call.
restore_context = _restore_context


def use_loop_in_this_thread(loop: asyncio.AbstractEventLoop) -> None:
    """Make `async_to_sync` called in this thread run its coroutine on `loop`.

    For a thread that serves requests without a loop of its own (a WSGI server's).
    """
    if getattr(_threadlocal, "main_event_loop", None) is not loop:
        _threadlocal.main_event_loop = loop
        _threadlocal.main_event_loop_pid = os.getpid()


def serve_async_to_sync_in_this_thread() -> None:
    """Once per pool thread: the loops `route_async_to_sync` names belong to this process."""
    _threadlocal.main_event_loop_pid = os.getpid()


def route_async_to_sync(loop: asyncio.AbstractEventLoop, tasks: list[asyncio.Task[Any]]) -> None:
    """Before each call a pool thread makes: `async_to_sync` in it runs on `loop` (the
    caller's) and records the tasks it starts in `tasks`, for a cancelled caller to cancel.

    The thread must have called `serve_async_to_sync_in_this_thread` first.
    """
    _threadlocal.main_event_loop = loop
    _threadlocal.task_context = tasks

"""The asgiref internals Legato's runtime relies on, checked against the installed asgiref.

Each test names what it found changed and where Legato uses it, so that an asgiref
upgrade that breaks the runtime fails here, loudly, before anything subtler fails.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any

import asgiref.sync
import pytest
from asgiref.local import Local

from legato._runtime import asgiref_internals

WHERE = "legato/_runtime/asgiref_internals.py relies on it: update that module to match"


@pytest.fixture
def loop_in_a_thread() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def in_new_thread(func: Callable[[], Any]) -> Any:
    """Run `func` in a fresh thread (one asgiref has never set up) and return its result."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("ok", func()))
        except BaseException as exc:  # handed to the test thread, raised there
            outcome.append(("error", exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert outcome, "the thread did not finish in 10 s"
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value


def test_asgiref_still_has_the_private_names_legato_imports() -> None:
    assert callable(getattr(asgiref.sync, "_restore_context", None)), (
        f"asgiref.sync._restore_context is gone; {WHERE}."
    )
    assert isinstance(getattr(asgiref.sync.SyncToAsync, "threadlocal", None), threading.local), (
        f"asgiref.sync.SyncToAsync.threadlocal is gone or no longer a threading.local; {WHERE}."
    )


def test_restore_context_moves_local_data_into_another_thread() -> None:
    local = Local()
    local.language = "fr"
    context = contextvars.copy_context()

    def read_there() -> str:
        def read() -> str:
            asgiref_internals.restore_context(context)
            return str(getattr(local, "language", "missing"))

        return contextvars.Context().run(read)

    assert in_new_thread(read_there) == "fr", (
        "asgiref's _restore_context no longer carries asgiref.local.Local data into the "
        f"thread it is called in; {WHERE}."
    )


def test_route_async_to_sync_makes_async_to_sync_run_on_the_given_loop(
    loop_in_a_thread: asyncio.AbstractEventLoop,
) -> None:
    tasks: list[asyncio.Task[Any]] = []
    seen: dict[str, Any] = {}

    async def where() -> None:
        seen["loop"] = asyncio.get_running_loop()
        seen["recorded"] = asyncio.current_task() in tasks

    def call() -> None:
        asgiref_internals.serve_async_to_sync_in_this_thread()
        asgiref_internals.route_async_to_sync(loop_in_a_thread, tasks)
        asgiref.sync.async_to_sync(where)()

    in_new_thread(call)

    assert seen["loop"] is loop_in_a_thread, (
        "asgiref's async_to_sync no longer reads its loop from SyncToAsync.threadlocal "
        f"(main_event_loop, main_event_loop_pid); {WHERE}."
    )
    assert seen["recorded"], (
        "asgiref's async_to_sync no longer records its task in SyncToAsync.threadlocal."
        f"task_context, which a cancelled pool call cancels; {WHERE}."
    )


def test_use_loop_in_this_thread_makes_async_to_sync_run_on_that_loop(
    loop_in_a_thread: asyncio.AbstractEventLoop,
) -> None:
    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def call() -> asyncio.AbstractEventLoop:
        asgiref_internals.use_loop_in_this_thread(loop_in_a_thread)
        return asgiref.sync.async_to_sync(running_loop)()

    assert in_new_thread(call) is loop_in_a_thread, (
        "asgiref's async_to_sync no longer runs on the loop named in "
        f"SyncToAsync.threadlocal.main_event_loop; {WHERE}."
    )

"""Run an app's ASGI lifespan around a test client's use, as a server would.

A start-up that fails raises in the test: a configuration error (a middleware factory
that returns None, say) as the ImproperlyConfigured the app raised, as Django's client
does; anything else as `LifespanFailed`, chained to the app's exception when it is a
Legato app (which reports it through `startup_failure_observer`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.lifespan import startup_failure_observer

__all__ = ["LifespanFailed", "LifespanSession"]


class LifespanFailed(Exception):
    """The app reported `lifespan.startup.failed` or `lifespan.shutdown.failed`."""


class LifespanSession:
    """Start-up on `start()`, shut-down on `stop()`; each at most once."""

    def __init__(self, app: Callable[..., Coroutine[Any, Any, None]]) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None
        self._started = False

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._to_app = asyncio.Queue()
        self._from_app = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        failures: list[BaseException] = []
        # The task copies the context now: the app sees the observer, this context keeps none.
        token = startup_failure_observer.set(failures.append)
        try:
            lifespan = self.app(scope, self._to_app.get, self._from_app.put)
            self._task = asyncio.create_task(lifespan)
        finally:
            startup_failure_observer.reset(token)
        await self._to_app.put({"type": "lifespan.startup"})
        reply = await self._reply()
        if reply["type"] == "lifespan.startup.failed":
            _raise_startup_failure(reply.get("message", "start-up failed"), failures)

    async def stop(self) -> None:
        if self._task is None or self._to_app is None:
            return
        task, self._task = self._task, None
        await self._to_app.put({"type": "lifespan.shutdown"})
        if not task.done():
            reply = await self._reply(task)
            await task
            if reply["type"] == "lifespan.shutdown.failed":
                raise LifespanFailed(reply.get("message", "shut-down failed"))

    async def _reply(self, task: asyncio.Task[None] | None = None) -> dict[str, Any]:
        task = task or self._task
        if task is None or self._from_app is None:
            raise RuntimeError("The lifespan session has not been started.")
        getter = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        task.result()  # re-raise what the app raised
        raise LifespanFailed("The app's lifespan handler returned without answering.")


def _raise_startup_failure(message: str, failures: list[BaseException]) -> None:
    cause = failures[0] if failures else None
    if isinstance(cause, ImproperlyConfigured):
        raise cause
    raise LifespanFailed(message) from cause

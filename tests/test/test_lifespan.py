"""The test client's lifespan session: start-up once, shut-down once, failures raised."""

from __future__ import annotations

from typing import Any

import pytest

from legato._types import Receive, Scope, Send
from legato.test.lifespan import LifespanFailed, LifespanSession

pytestmark = pytest.mark.anyio


def replying(startup: str, shutdown: str = "lifespan.shutdown.complete", **extra: Any) -> Any:
    """A raw ASGI lifespan app that answers with the given message types."""
    started: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        started.append(scope)
        await receive()
        await send({"type": startup, **extra})
        if startup.endswith("failed"):
            return
        await receive()
        await send({"type": shutdown, **extra})

    app.started = started  # type: ignore[attr-defined]
    return app


async def test_start_runs_the_apps_startup_once_and_stop_its_shutdown() -> None:
    app = replying("lifespan.startup.complete")
    session = LifespanSession(app)
    await session.start()
    await session.start()
    assert len(app.started) == 1
    assert app.started[0]["state"] is session.state
    await session.stop()
    await session.stop()  # nothing left to stop


async def test_a_failed_startup_raises_with_the_apps_message() -> None:
    session = LifespanSession(replying("lifespan.startup.failed", message="no database"))
    with pytest.raises(LifespanFailed, match="no database"):
        await session.start()


async def test_a_failed_shutdown_raises_with_the_apps_message() -> None:
    app = replying("lifespan.startup.complete", "lifespan.shutdown.failed", message="pool stuck")
    session = LifespanSession(app)
    await session.start()
    with pytest.raises(LifespanFailed, match="pool stuck"):
        await session.stop()


async def test_an_app_that_returns_without_answering_is_reported() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    with pytest.raises(LifespanFailed, match="returned without answering"):
        await LifespanSession(silent).start()


async def test_an_app_that_raises_in_its_lifespan_has_its_error_raised() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise KeyError("lifespan")

    with pytest.raises(KeyError, match="lifespan"):
        await LifespanSession(broken).start()


async def test_stop_before_start_does_nothing() -> None:
    await LifespanSession(replying("lifespan.startup.complete")).stop()

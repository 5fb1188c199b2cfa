"""The granian loader: a Legato app hears the worker's stop signal before granian stops.

The real order (granian stops listening, the app ends its streams and sockets, then the
connections close) is tested on a real granian in tests/integration/test_long_lived.py
and test_websockets_uvicorn.py; here, what the loader does to granian's signal set-up.
Also how the app's request-head limits become granian's HTTP/1 settings (on a real
granian in tests/integration/test_limits.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

import pytest

granian_signals = pytest.importorskip("granian._signals", reason="granian is not installed")

from legato.config import Config  # noqa: E402
from legato.server.granian import http1_settings, load_app  # noqa: E402

LEGATO_APP = "tests.integration.apps.longlived:app"
OTHER_APP = "tests.server.test_granian:plain_asgi_app"


async def plain_asgi_app(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that is not a Legato App."""


class StopEvent:
    """Stands for granian's WorkerSignal, which only a running granian server reads."""

    def __init__(self) -> None:
        self.times_set = 0

    def set(self) -> None:
        self.times_set += 1


@pytest.fixture
def installer(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace granian's installer by one that records its loops; restored afterwards."""
    loops: list[Any] = []
    stop = StopEvent()

    def set_loop_signals(loop: Any) -> StopEvent:
        loops.append(loop)
        return stop

    monkeypatch.setattr(granian_signals, "set_loop_signals", set_loop_signals)
    return [loops, stop]


def test_other_apps_leave_granians_signals_alone(installer: list[Any]) -> None:
    original = granian_signals.set_loop_signals
    app = load_app(OTHER_APP)
    assert app is plain_asgi_app
    assert granian_signals.set_loop_signals is original


@pytest.mark.anyio
async def test_stop_signal_stops_granian_and_begins_the_apps_shutdown(
    installer: list[Any],
) -> None:
    loops, stop = installer
    app = load_app(LEGATO_APP)
    loop = asyncio.get_running_loop()
    await app.startup({})
    try:
        returned = granian_signals.set_loop_signals(loop)
        assert returned is stop  # granian's own set-up ran, first
        assert loops == [loop]
        os.kill(os.getpid(), signal.SIGTERM)  # handled by the loop: the test goes on
        await asyncio.wait_for(app.shutting_down.wait(), timeout=5)
        assert stop.times_set == 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await app.shutdown()


def test_a_granian_without_the_installer_is_served_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delattr(granian_signals, "set_loop_signals")
    with caplog.at_level(logging.WARNING, logger="legato.server"):
        app = load_app(LEGATO_APP)
    assert callable(app)
    assert "only after granian's connections close" in caplog.text


def test_head_size_and_timeout_become_the_buffer_and_the_deadline() -> None:
    config = Config.from_arguments({"max_request_head_size": 16384, "request_head_timeout": 1.5})
    settings = http1_settings(config)
    assert (settings.max_buffer_size, settings.header_read_timeout) == (16384, 1500)


def test_a_buffer_below_hypers_floor_is_raised_to_it() -> None:
    config = Config.from_arguments({"max_request_head_size": 100})
    assert http1_settings(config).max_buffer_size == 8192


def test_no_limit_keeps_granians_defaults() -> None:
    from granian.http import HTTP1Settings

    config = Config.from_arguments({"max_request_head_size": None, "request_head_timeout": None})
    settings = http1_settings(config)
    assert settings.max_buffer_size == HTTP1Settings.max_buffer_size
    assert settings.header_read_timeout == HTTP1Settings.header_read_timeout


def test_an_app_that_is_not_legatos_gets_the_default_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEGATO_REQUEST_HEAD_TIMEOUT", "2")
    settings = http1_settings(object())
    assert (settings.max_buffer_size, settings.header_read_timeout) == (65536, 2000)

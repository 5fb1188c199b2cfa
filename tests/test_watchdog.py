"""The stall detector in-process: what it names, and what it leaves alone."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, StreamingHttpResponse
from legato.test import Client
from legato.urls import path, websocket
from legato.watchdog import Watchdog, default_threshold
from legato.websocket import WebSocket

THRESHOLD = 0.1


def block_for(seconds: float) -> None:
    time.sleep(seconds)


async def blocking_view(request: HttpRequest, tail: str = "") -> HttpResponse:
    time.sleep(0.3)
    return HttpResponse("slept")


async def view_with_helper(request: HttpRequest) -> HttpResponse:
    block_for(0.3)
    return HttpResponse("slept")


async def awaiting_view(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0.3)
    return HttpResponse("awaited")


async def blocking_socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.receive_text()
    time.sleep(0.3)
    await ws.send_text("done")


def stall_app(**settings: object) -> App:
    return App(
        [
            path("block/<str:tail>/", blocking_view),
            path("helper/", view_with_helper),
            path("await/", awaiting_view),
            websocket("ws/", blocking_socket),
        ],
        stall_threshold=THRESHOLD,
        **settings,
    )


def stalls(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "legato.stalls"]


def get_then_settle(client: Client, url: str) -> None:
    assert client.get(url).status_code == 200
    time.sleep(0.2)  # the warning is written when the loop turns again


def test_blocked_view_is_named_with_its_line_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    app = stall_app()
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(app) as client:
        get_then_settle(client, "/block/x/")
        counted = app.stats()["loop_stalls"]
    [message] = stalls(caplog)
    assert message.startswith("Event loop blocked for ")
    assert "in view tests.test_watchdog.blocking_view (GET /block/x/)" in message
    assert "tests/test_watchdog.py:" in message
    assert message.splitlines()[0].endswith("time.sleep(0.3)")
    assert counted == 1


def test_blocking_helper_is_named_with_the_view_line_that_called_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(stall_app()) as client:
        get_then_settle(client, "/helper/")
    [message] = stalls(caplog)
    first, called_from = message.splitlines()[0], message.splitlines()[-1]
    assert "in view tests.test_watchdog.view_with_helper" in first
    assert first.endswith("time.sleep(seconds)")
    assert called_from.strip().startswith("called from tests/test_watchdog.py:")
    assert called_from.endswith("block_for(0.3)")


def test_awaiting_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(stall_app()) as client:
        get_then_settle(client, "/await/")
    assert stalls(caplog) == []


def test_blocked_websocket_handler_is_named(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(stall_app()) as client:
        with client.websocket("/ws/") as session:
            session.send_text("go")
            assert session.receive_text() == "done"
        time.sleep(0.2)
    [message] = stalls(caplog)
    assert "in websocket /ws/" in message


def test_request_data_in_the_warning_is_escaped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(stall_app()) as client:
        get_then_settle(client, "/block/x%0Aforged/")
    [message] = stalls(caplog)
    assert "(GET /block/x\\x0aforged/)" in message


def test_threshold_zero_turns_the_detector_off(caplog: pytest.LogCaptureFixture) -> None:
    app = App([path("block/<str:tail>/", blocking_view)], stall_threshold=0)
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(app) as client:
        get_then_settle(client, "/block/x/")
    assert stalls(caplog) == []
    assert app.stall_threshold == 0


def test_default_threshold_is_tighter_with_debug() -> None:
    assert default_threshold(debug=True) == 0.1
    assert default_threshold(debug=False) == 0.5
    assert App().stall_threshold == 0.5
    assert App(debug=True).stall_threshold == 0.1


def test_a_stopped_loop_is_not_reported_as_blocked(caplog: pytest.LogCaptureFixture) -> None:
    watchdog = Watchdog()
    loop = asyncio.new_event_loop()
    try:

        async def start() -> None:
            watchdog.watch(THRESHOLD)

        loop.run_until_complete(start())
        time.sleep(0.4)  # the loop is not running: nothing is blocked
        with caplog.at_level(logging.WARNING, logger="legato.stalls"):
            loop.run_until_complete(asyncio.sleep(0.1))
        assert stalls(caplog) == []
        assert watchdog.stalls(loop) == 0
    finally:
        watchdog.unwatch(loop)
        loop.close()


def test_blocking_startup_hook_is_named(caplog: pytest.LogCaptureFixture) -> None:
    async def slow_start() -> None:
        time.sleep(0.3)

    app = App([], stall_threshold=THRESHOLD, on_startup=[slow_start])
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(app):
        time.sleep(0.2)
    [message] = stalls(caplog)
    assert "no request" in message
    assert message.splitlines()[0].endswith("time.sleep(0.3)")


async def blocking_stream_view(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[str]:
        yield "first\n"
        time.sleep(0.3)
        yield "second\n"

    return StreamingHttpResponse(chunks())


async def blocking_after_response(request: HttpRequest) -> HttpResponse:
    async def audit() -> None:
        time.sleep(0.3)

    request.after_response(audit)
    return HttpResponse("answered")


def blocking_middleware_factory(get_response: Any) -> Any:
    async def middleware(request: HttpRequest) -> HttpResponse:
        time.sleep(0.3)
        return await get_response(request)

    return middleware


blocking_middleware_factory.async_capable = True  # type: ignore[attr-defined]
blocking_middleware_factory.sync_capable = False  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "middleware", "expected"),
    [
        ("/stream/", [], "in view tests.test_watchdog.blocking_stream_view (GET /stream/)"),
        ("/after/", [], "in view tests.test_watchdog.blocking_after_response (GET /after/)"),
        ("/await/", [blocking_middleware_factory], "in middleware (GET /await/, before its view)"),
    ],
)
def test_streams_after_response_work_and_middleware_are_named(
    caplog: pytest.LogCaptureFixture, url: str, middleware: list[Any], expected: str
) -> None:
    app = App(
        [
            path("stream/", blocking_stream_view),
            path("after/", blocking_after_response),
            path("await/", awaiting_view),
        ],
        middleware=middleware,
        stall_threshold=THRESHOLD,
    )
    with caplog.at_level(logging.WARNING, logger="legato.stalls"), Client(app) as client:
        get_then_settle(client, url)
        time.sleep(0.3)
    [message] = stalls(caplog)
    assert expected in message
    assert message.splitlines()[0].endswith("time.sleep(0.3)")

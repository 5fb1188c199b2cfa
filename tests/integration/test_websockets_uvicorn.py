"""WebSockets on a real uvicorn: handshake refusals, close codes, limits, errors, shut-down."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin, Subprotocol

from tests.integration.servers import (
    SERVERS,
    legato_process,
    output_of,
    server_options,
)

pytestmark = pytest.mark.integration

APP = "tests.integration.apps.chat_sockets:app"


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, object]]:
    with legato_process(APP, *server_options(request.param)) as (base, process):
        yield base.replace("http://", "ws://"), process


def test_echo_with_subprotocol(server: tuple[str, object]) -> None:
    base, _ = server
    with connect(base + "/echo/", subprotocols=[Subprotocol("echo.v1")]) as ws:
        assert ws.subprotocol == "echo.v1"
        ws.send("hello")
        assert ws.recv(timeout=5) == "hello"
        ws.send(b"\x00\xff")
        assert ws.recv(timeout=5) == b"\x00\xff"


def test_cross_site_origin_gets_403(server: tuple[str, object]) -> None:
    base, _ = server
    with pytest.raises(InvalidStatus) as refused:
        connect(base + "/echo/", origin=Origin("https://evil.example"))
    assert refused.value.response.status_code == 403


def test_same_origin_is_accepted(server: tuple[str, object]) -> None:
    base, _ = server
    origin = Origin(base.replace("ws://", "http://"))
    with connect(base + "/echo/", origin=origin) as ws:
        ws.send("ok")
        assert ws.recv(timeout=5) == "ok"


def test_unknown_route_gets_404(server: tuple[str, object]) -> None:
    base, _ = server
    with pytest.raises(InvalidStatus) as refused:
        connect(base + "/nowhere/")
    assert refused.value.response.status_code == 404


def test_oversized_message_closes_with_1009_and_the_server_keeps_serving(
    server: tuple[str, object],
) -> None:
    base, _ = server
    with connect(base + "/echo/") as ws:
        ws.send("x" * 1001)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    with connect(base + "/echo/") as ws:
        ws.send("still alive")
        assert ws.recv(timeout=5) == "still alive"


def test_handler_error_closes_with_1011_and_logs_without_leaking(
    server: tuple[str, object],
) -> None:
    base, process = server
    with connect(base + "/fails/") as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1011
    assert "secret" not in closed.value.rcvd.reason
    assert "Error in websocket handler" in output_of(process)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "server",
    SERVERS,
)
def test_shutdown_closes_open_sockets_promptly(server: str) -> None:
    with legato_process(APP, *server_options(server)) as (base, process):
        with connect(base.replace("http://", "ws://") + "/news/") as ws:
            assert ws.recv(timeout=5) == "subscribed"
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=15)
        process.wait(timeout=15)  # uvicorn re-raises SIGTERM once it has shut down
        # The handler waits on its subscription, not on the socket: without the app's
        # drain it would hold the shut-down for the whole grace period (10 s).
        assert time.monotonic() - started < 5
        assert "Traceback" not in output_of(process)
    assert closed.value.rcvd is not None
    # The app's 1001 Going Away, sent when shut-down begins, before uvicorn's own 1012.
    assert closed.value.rcvd.code == 1001

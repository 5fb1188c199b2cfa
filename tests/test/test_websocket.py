"""The test client's websocket side: the scope it builds, and what it tells a test."""

from __future__ import annotations

import pytest

from legato import App
from legato._types import Receive, Scope, Send
from legato.test import AsyncClient, Client
from legato.test.websocket import WebSocketDenied, websocket_scope
from legato.urls import websocket
from legato.websocket import WebSocket

pytestmark = pytest.mark.anyio


def test_the_scope_is_what_a_server_builds_for_the_url() -> None:
    scope = websocket_scope(
        "/ws/caf%C3%A9/?a=1",
        headers={"X-Token": "t"},
        cookie="session=s",
        state={"pool": 1},
        subprotocols=["chat.v1", "chat.v2"],
        query={"b": "2"},
        secure=True,
    )
    assert (scope["type"], scope["scheme"], scope["server"]) == (
        "websocket",
        "wss",
        ("testserver", 443),
    )
    assert (scope["path"], scope["raw_path"]) == ("/ws/café/", b"/ws/caf%C3%A9/")
    assert scope["query_string"] == b"a=1&b=2"
    assert dict(scope["headers"]) == {
        b"host": b"testserver",
        b"cookie": b"session=s",
        b"x-token": b"t",
        b"sec-websocket-protocol": b"chat.v1, chat.v2",
    }
    assert scope["subprotocols"] == ["chat.v1", "chat.v2"]
    assert scope["state"] == {"pool": 1}


def test_a_denial_says_the_status_and_the_body() -> None:
    denied = WebSocketDenied(401, b"log in first", [(b"www-authenticate", b"Bearer")])
    assert str(denied) == "The app refused the websocket handshake with 401: log in first"
    assert denied.headers == [(b"www-authenticate", b"Bearer")]
    assert str(WebSocketDenied(403)) == "The app refused the websocket handshake with 403"


async def test_a_raw_app_that_ends_without_closing_is_reported() -> None:
    async def forgetful(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})

    async with AsyncClient(forgetful, lifespan=False).websocket("/ws/") as ws:
        with pytest.raises(AssertionError, match="ended without closing the socket"):
            await ws.receive()


async def test_after_the_test_disconnects_a_send_fails_as_on_a_server() -> None:
    errors: list[BaseException] = []

    async def talker(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        assert (await receive())["type"] == "websocket.disconnect"
        try:
            await send({"type": "websocket.send", "text": "anyone there?"})
        except OSError as exc:
            errors.append(exc)

    async with AsyncClient(talker, lifespan=False).websocket("/ws/"):
        pass
    assert [str(error) for error in errors] == ["The test client has disconnected."]


def test_the_sync_session_exposes_and_changes_the_receive_timeout() -> None:
    async def silent(ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive()

    with (
        Client(App([websocket("ws/", silent)])) as client,
        client.websocket("/ws/", timeout=0.05) as ws,
    ):
        assert ws.timeout == 0.05
        ws.timeout = 0.01
        with pytest.raises(TimeoutError, match=r"sent nothing within 0\.01 s"):
            ws.receive()

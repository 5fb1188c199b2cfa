"""The WebSocket API, driven through the test client's sync and async sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from legato import App
from legato.test import AsyncClient, Client
from legato.test.websocket import WebSocketDenied
from legato.urls import websocket
from legato.websocket import WebSocket, WebSocketDisconnect

events: list[Any] = []


async def echo(ws: WebSocket) -> None:
    await ws.accept()
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message.upper())
        else:
            await ws.send_bytes(message[::-1])


async def json_echo(ws: WebSocket) -> None:
    await ws.accept()
    async for data in ws.iter_json():
        await ws.send_json({"got": data})


async def binary_json(ws: WebSocket) -> None:
    await ws.accept()
    data = await ws.receive_json(mode="binary")
    await ws.send_json(data, mode="binary")


async def describe(ws: WebSocket, room: str, number: int) -> None:
    await ws.accept(subprotocol="chat.v2" if "chat.v2" in ws.subprotocols else None)
    await ws.send_json(
        {
            "room": room,
            "number": number,
            "path": ws.path,
            "query": ws.query_params.getlist("tag"),
            "cookie": ws.cookies.get("session"),
            "agent": ws.headers.get("user-agent"),
            "state": sorted(vars(ws.state)),
            "app": ws.app is APP,
            "scheme": ws.scheme,
        }
    )
    await ws.close()


async def record_goodbye(ws: WebSocket) -> None:
    await ws.accept()
    try:
        await ws.receive_text()
    except WebSocketDisconnect as exc:
        events.append(("left", exc.code))
        raise


async def server_closes(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text("bye")
    await ws.close(4000, "done here")


async def refuses(ws: WebSocket) -> None:
    await ws.close()  # before accept: the server answers 403


async def denies(ws: WebSocket) -> None:
    await ws.deny(401, "log in first")


async def never_accepts(ws: WebSocket) -> None:
    return None


async def send_after_close(ws: WebSocket) -> None:
    await ws.accept()
    await ws.close()
    try:
        await ws.send_text("too late")
    except WebSocketDisconnect as exc:
        events.append(("send after close", exc.code))


async def receive_before_accept(ws: WebSocket) -> None:
    await ws.receive_text()


async def headers_on_accept(ws: WebSocket) -> None:
    await ws.accept(headers=[("X-Room", "lobby")])
    await ws.close()


APP = App(
    urlpatterns=[
        websocket("echo/", echo),
        websocket("json/", json_echo),
        websocket("binary-json/", binary_json),
        websocket("describe/<slug:room>/<int:number>/", describe),
        websocket("goodbye/", record_goodbye),
        websocket("closes/", server_closes),
        websocket("refuses/", refuses),
        websocket("denies/", denies),
        websocket("never-accepts/", never_accepts),
        websocket("send-after-close/", send_after_close),
        websocket("receive-before-accept/", receive_before_accept),
        websocket("accept-headers/", headers_on_accept),
    ]
)


@pytest.fixture
def client() -> Iterator[Client]:
    events.clear()
    with Client(APP) as test_client:
        yield test_client


def test_text_and_binary_messages_round_trip(client: Client) -> None:
    with client.websocket("/echo/") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "HELLO"
        ws.send_bytes(b"\x01\x02\x03")
        assert ws.receive_bytes() == b"\x03\x02\x01"


def test_json_messages_round_trip(client: Client) -> None:
    with client.websocket("/json/") as ws:
        ws.send_json({"a": [1, 2, None], "b": "é"})
        assert ws.receive_json() == {"got": {"a": [1, 2, None], "b": "é"}}


def test_json_in_binary_frames_when_asked(client: Client) -> None:
    with client.websocket("/binary-json/") as ws:
        ws.send_json({"n": 1}, mode="binary")
        assert ws.receive_json(mode="binary") == {"n": 1}


def test_handler_sees_route_kwargs_headers_cookies_query_and_app(client: Client) -> None:
    client.cookies["session"] = "abc"
    with client.websocket(
        "/describe/lobby/7/?tag=a&tag=b",
        subprotocols=["chat.v1", "chat.v2"],
        headers={"User-Agent": "pytest"},
    ) as ws:
        assert ws.accepted_subprotocol == "chat.v2"
        assert ws.receive_json() == {
            "room": "lobby",
            "number": 7,
            "path": "/describe/lobby/7/",
            "query": ["a", "b"],
            "cookie": "abc",
            "agent": "pytest",
            "state": ["channels", "shutting_down", "static"],
            "app": True,
            "scheme": "ws",
        }
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1000


def test_client_leaving_raises_websocket_disconnect_with_its_code(client: Client) -> None:
    with client.websocket("/goodbye/") as ws:
        ws.close(4001)
    assert events == [("left", 4001)]


def test_server_close_code_and_reason_reach_the_client(client: Client) -> None:
    with client.websocket("/closes/") as ws:
        assert ws.receive_text() == "bye"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (4000, "done here")


def test_close_before_accept_is_a_403(client: Client) -> None:
    with pytest.raises(WebSocketDenied) as denied, client.websocket("/refuses/"):
        pass
    assert denied.value.status_code == 403


def test_deny_sends_an_http_response_with_its_status(client: Client) -> None:
    with pytest.raises(WebSocketDenied) as denied, client.websocket("/denies/"):
        pass
    assert (denied.value.status_code, denied.value.body) == (401, b"log in first")


def test_handler_that_never_accepts_is_refused(client: Client) -> None:
    with pytest.raises(WebSocketDenied) as denied, client.websocket("/never-accepts/"):
        pass
    assert denied.value.status_code == 403


def test_send_after_close_raises_websocket_disconnect(client: Client) -> None:
    with client.websocket("/send-after-close/") as ws:
        ws.receive()
    assert events == [("send after close", 1000)]


def test_receive_before_accept_is_a_programming_error(client: Client) -> None:
    with pytest.raises(RuntimeError, match=r"accept\(\)` before you receive"):  # noqa: SIM117
        with client.websocket("/receive-before-accept/"):
            pass


def test_accept_headers_reach_the_client(client: Client) -> None:
    with client.websocket("/accept-headers/") as ws:
        assert (b"x-room", b"lobby") in ws.accept_headers


def test_accept_refuses_a_subprotocol_the_client_did_not_offer() -> None:
    async def pick_unknown(ws: WebSocket) -> None:
        await ws.accept(subprotocol="nope")

    app = App([websocket("ws/", pick_unknown)])
    with Client(app) as client, pytest.raises(ValueError, match="not offered"):  # noqa: SIM117
        with client.websocket("/ws/"):
            pass


@pytest.mark.anyio
async def test_async_sessions_run_side_by_side() -> None:
    async with (
        AsyncClient(APP) as client,
        client.websocket("/echo/") as first,
        client.websocket("/echo/") as second,
    ):
        await first.send_text("one")
        await second.send_text("two")
        assert await second.receive_text() == "TWO"
        assert await first.receive_text() == "ONE"


@pytest.mark.anyio
async def test_async_session_receive_times_out_when_the_app_is_silent() -> None:
    async with AsyncClient(APP) as client, client.websocket("/echo/", timeout=0.05) as ws:
        with pytest.raises(TimeoutError, match="sent nothing"):
            await ws.receive_text()


def test_many_concurrent_connections_do_not_interfere() -> None:
    async def main() -> list[str]:
        async with AsyncClient(APP) as client:

            async def one(n: int) -> str:
                async with client.websocket("/echo/") as ws:
                    await ws.send_text(f"m{n}")
                    return await ws.receive_text()

            return await asyncio.gather(*(one(n) for n in range(50)))

    assert asyncio.run(main()) == [f"M{n}" for n in range(50)]

"""A small websocket app for tests on a real uvicorn: echo, a size limit, a failing handler."""

import asyncio

from legato import App
from legato.channels import Subscription
from legato.http import HttpResponse
from legato.urls import path, websocket
from legato.websocket import WebSocket


async def index(request: object) -> HttpResponse:
    return HttpResponse("sockets")


async def echo(ws: WebSocket) -> None:
    await ws.accept(subprotocol="echo.v1" if "echo.v1" in ws.subprotocols else None)
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)


async def fails(ws: WebSocket) -> None:
    await ws.accept()
    await ws.receive_text()
    raise RuntimeError("handler bug with a secret in it")


async def announce(ws: WebSocket) -> None:
    # Push-only, but it still reads the socket: that is how it notices the client (or
    # the server, at shut-down) closing while it waits on the subscription.
    await ws.accept()
    async with ws.app.channels.subscribe("news") as subscription:
        await ws.send_text("subscribed")
        forwarder = asyncio.create_task(forward(subscription, ws))
        try:
            async for _ in ws:
                pass
        finally:
            forwarder.cancel()


async def forward(subscription: Subscription, ws: WebSocket) -> None:
    async for raw in subscription.raw():
        await ws.send_text(raw.decode())


app = App(
    urlpatterns=[
        path("", index),
        websocket("echo/", echo),
        websocket("fails/", fails),
        websocket("news/", announce),
    ],
    websocket_max_message_size=1000,
)

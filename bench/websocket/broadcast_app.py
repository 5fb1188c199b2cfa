"""The app the broadcast benchmark serves: one group, one socket route, one publish view.

`ws/` subscribes to the group "bench" and forwards each message's JSON bytes as they
came (no decode and re-encode per socket), while reading the socket to notice the client
leaving. `POST publish/` stamps the message with the system-wide monotonic clock just
before `group_send`, so a client computes the delivery latency by reading the same clock.
"""

import asyncio
import time

from legato import App
from legato.http import HttpRequest, JsonResponse
from legato.urls import path, websocket
from legato.websocket import WebSocket


async def subscriber(ws: WebSocket) -> None:
    await ws.accept()
    async with ws.app.channels.subscribe("bench", capacity=1000) as subscription:
        await ws.send_text("ready")

        async def forward() -> None:
            async for raw in subscription.raw():
                await ws.send_text(raw.decode())

        forwarder = asyncio.create_task(forward())
        try:
            async for _ in ws:
                pass
        finally:
            forwarder.cancel()


async def publish(request: HttpRequest) -> JsonResponse:
    await request.state.channels.group_send(
        "bench", {"round": int(request.GET.get("round", 0)), "sent_ns": time.monotonic_ns()}
    )
    return JsonResponse({"ok": True})


async def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


app = App(urlpatterns=[path("", ping), path("publish/", publish), websocket("ws/", subscriber)])

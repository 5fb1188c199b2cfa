"""The chat over a WebSocket: `ws/<room>/?nick=...`, JSON events both ways.

Two loops share the connection: this handler reads the browser's messages and stores
and publishes them; a forwarder task sends the room's events to the browser as the JSON
the layer carried (no decoding and re-encoding per connection). The client leaving ends
the reading loop, which cancels the forwarder; a forwarder that fails (the browser
stopped reading) closes the socket, which ends the reading loop.

When the channel layer is away (Redis down), joining or publishing raises
`ConnectionError`: the socket gets an error event and closes with 1013 (try again
later). The browser reconnects with a growing delay, and the welcome it gets once the
layer is back carries the history, with whatever was said meanwhile.
"""

from __future__ import annotations

import asyncio

from examples.chat.rooms import NotDelivered, Room, clean_nick
from examples.chat.storage import database_for
from legato.channels import SubscriberTooSlow, Subscription
from legato.websocket import CloseCode, WebSocket, WebSocketDisconnect

__all__ = ["chat_socket"]


async def chat_socket(ws: WebSocket, room: str) -> None:
    await ws.accept()
    try:
        nick = clean_nick(ws.query_params.get("nick"))
    except ValueError as exc:
        await ws.send_json({"type": "error", "error": str(exc)})
        await ws.close(CloseCode.POLICY_VIOLATION, str(exc))
        return
    chat_room = Room(room, ws.app.channels, database_for(ws.app.database))
    try:
        await _take_part(chat_room, nick, ws)
    except ConnectionError as exc:  # joining, too, needs the layer
        await _close_unavailable(ws, exc)


async def _take_part(room: Room, nick: str, ws: WebSocket) -> None:
    async with room.membership(nick) as (subscription, welcome):
        await ws.send_json(welcome)
        forwarder = asyncio.create_task(_forward(subscription, ws))
        try:
            async for data in ws.iter_json():
                await _handle(room, nick, data, ws)
        except ConnectionError as exc:
            # Closed here, before leaving the room (which tries the layer again), so the
            # client hears it at once.
            await _close_unavailable(ws, exc)
        finally:
            forwarder.cancel()


async def _close_unavailable(ws: WebSocket, exc: ConnectionError) -> None:
    told = str(exc) if isinstance(exc, NotDelivered) else "The room cannot be reached live."
    await ws.send_json({"type": "error", "error": f"{told} Reconnecting…"})
    await ws.close(CloseCode.TRY_AGAIN_LATER, "channel layer unavailable: reconnect")


async def _handle(room: Room, nick: str, data: object, ws: WebSocket) -> None:
    if not isinstance(data, dict) or data.get("type") != "message":
        await ws.send_json({"type": "error", "error": 'Send {"type": "message", "text": "..."}.'})
        return
    try:
        await room.say(nick, data.get("text"))
    except ValueError as exc:
        await ws.send_json({"type": "error", "error": str(exc)})


async def _forward(subscription: Subscription, ws: WebSocket) -> None:
    try:
        async for raw in subscription.raw():
            await ws.send_text(raw.decode())
    except SubscriberTooSlow:
        await ws.close(CloseCode.TRY_AGAIN_LATER, "too slow: reconnect")
    except WebSocketDisconnect:
        pass  # the reading loop sees the same end

"""The chat's HTTP side: the pages, and the Server-Sent Events + POST fallback transport.

A browser that cannot open a WebSocket (a proxy that strips the upgrade, an old
corporate network) reads the room's events from `events/` (text/event-stream, the
same JSON events as the socket) and sends messages with `POST messages/`. The channel
layer is the app's (`request.state.channels`, put there at start-up), the database the
app's if it has one (`request.database`), else the chat's own SQLite file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from examples.chat import pages
from examples.chat.rooms import NotDelivered, Room, clean_nick, slugify_room
from examples.chat.storage import ChatStore, database_for
from legato.http import (
    EventStreamResponse,
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    ServerSentEvent,
)
from legato.shortcuts import render
from legato.urls import reverse
from legato.views.decorators import require_GET, require_POST

__all__ = ["events", "history", "lobby", "post_message", "room_page"]


def _room(request: HttpRequest, room: str) -> Room:
    try:
        return Room(room, request.state.channels, database_for(request.database))
    except ValueError as exc:
        raise Http404(str(exc)) from None


@require_GET
async def lobby(request: HttpRequest) -> HttpResponseBase:
    if "room" in request.GET:
        try:
            room = slugify_room(request.GET["room"])
        except ValueError:
            return HttpResponseRedirect(reverse("chat:lobby"))
        return HttpResponseRedirect(reverse("chat:room", kwargs={"room": room}))
    store = ChatStore(database_for(request.database))
    return render(request, "chat/lobby.html", {"rooms": await store.rooms()})


@require_GET
async def room_page(request: HttpRequest, room: str) -> HttpResponseBase:
    chat_room = _room(request, room)
    history = await chat_room.store.history(chat_room.name)
    context = {"room": chat_room.name, "history": history, "clock": pages.clock}
    return render(request, "chat/room.html", context)


@require_GET
async def history(request: HttpRequest, room: str) -> JsonResponse:
    """The room's last messages; `?after=<id>` keeps those newer than the one a reader has."""
    chat_room = _room(request, room)
    after = request.GET.get("after")
    if after is not None and not (after.isascii() and after.isdigit()):
        return JsonResponse({"error": "after is the id of a message: digits only."}, status=400)
    messages = await chat_room.store.history(chat_room.name, None if after is None else int(after))
    return JsonResponse({"room": chat_room.name, "messages": [m.as_json() for m in messages]})


@require_GET
async def events(request: HttpRequest, room: str) -> HttpResponseBase:
    """The room's events as Server-Sent Events, for as long as the browser listens."""
    chat_room = _room(request, room)
    try:
        nick = clean_nick(request.GET.get("nick"))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    return EventStreamResponse(_room_events(chat_room, nick), heartbeat=15)


async def _room_events(room: Room, nick: str) -> AsyncIterator[ServerSentEvent]:
    # The client leaving cancels this generator; membership() then announces the leave.
    async with room.membership(nick) as (subscription, welcome):
        yield ServerSentEvent(welcome)
        async for raw in subscription.raw():
            yield ServerSentEvent(raw.decode())


@require_POST
async def post_message(request: HttpRequest, room: str) -> JsonResponse:
    chat_room = _room(request, room)
    data: Any = request.json() if request.content_type == "application/json" else request.POST
    try:
        nick = clean_nick(data.get("nick"))
        event = await chat_room.say(nick, data.get("text"))
    except (ValueError, AttributeError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except NotDelivered as exc:
        # Stored, so not an error to retry (that would post it twice): 202, and say so.
        body = {"message": exc.event, "delivered": False, "error": str(exc)}
        return JsonResponse(body, status=202)
    return JsonResponse({"message": event, "delivered": True}, status=201)

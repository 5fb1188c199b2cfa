"""Run a chat room over a channel layer: join, say, leave; the same for every transport.

Every event of a room is published to its group ("chat.<room>") as JSON, and each
connection, WebSocket or Server-Sent Events, forwards its group's events to its
browser unchanged, so the transports cannot drift apart. The text a user types is
stored and sent as it was typed, never as HTML: the browser puts it in `textContent`
and the server escapes it where it renders HTML, so `<script>` is shown, not run.

Events: {"type": "message", "id", "nick", "text", "sent_at", "after"},
{"type": "presence", "online": [nick, ...], "joined" | "left": nick},
and to a newcomer only, {"type": "welcome", "room", "nick", "history", "online"}.

A message is stored before it is published, so when the channel layer is away (Redis
down) it is kept but not delivered live: `say` raises `NotDelivered`. Live delivery can
leave gaps (pub/sub keeps nothing for a process that is reconnecting), so each message
event names the room's previous message ("after"): a reader whose last message is older
than that missed some, and fetches the history since its last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

from examples.chat.storage import ChatStore
from legato.channels import ChannelLayer, Subscription
from legato.db import Database

__all__ = [
    "MAX_TEXT",
    "NotDelivered",
    "Room",
    "check_room",
    "clean_nick",
    "clean_text",
    "group_name",
    "slugify_room",
]

MAX_NICK = 32
MAX_TEXT = 2000
PRESENCE_REFRESH = 30.0
MAX_ROOM = 64
_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def group_name(room: str) -> str:
    return f"chat.{room}"


def slugify_room(raw: object) -> str:
    """A room name from what a user typed: "Tea & Cake!" -> "tea-cake"; ValueError if empty."""
    slug = _NOT_SLUG.sub("-", str(raw or "").lower()).strip("-")[:MAX_ROOM]
    if not slug:
        raise ValueError("Name a room, with letters or digits.")
    return slug


def check_room(room: str) -> str:
    if len(room) > MAX_ROOM:
        raise ValueError(f"A room name has at most {MAX_ROOM} characters.")
    return room


def clean_nick(raw: object) -> str:
    """A nickname: 1 to 32 printable characters, spaces collapsed; ValueError otherwise."""
    nick = _printable(_SPACES.sub(" ", str(raw or ""))).strip()
    if not nick:
        raise ValueError("Choose a nickname.")
    if len(nick) > MAX_NICK:
        raise ValueError(f"A nickname has at most {MAX_NICK} characters.")
    return nick


def clean_text(raw: object) -> str:
    """A message: 1 to 2000 characters, control characters other than newlines removed."""
    if not isinstance(raw, str):
        raise ValueError("A message is a string of text.")
    text = _printable(raw, keep="\n").strip()
    if not text:
        raise ValueError("The message is empty.")
    if len(text) > MAX_TEXT:
        raise ValueError(f"A message has at most {MAX_TEXT} characters.")
    return text


def _printable(text: str, keep: str = "") -> str:
    return "".join(char for char in text if char in keep or unicodedata.category(char)[0] != "C")


class NotDelivered(ConnectionError):
    """A message was stored, but the channel layer could not publish it to the room."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(
            "Your message is saved, but the room could not be told about it live: "
            "it is in the room's history."
        )
        self.event = event


class Room:
    """One room, as one connection sees it: its store, its group, its layer."""

    def __init__(self, name: str, layer: ChannelLayer, database: Database) -> None:
        self.name = check_room(name)
        self.layer = layer
        self.store = ChatStore(database)
        self.group = group_name(name)

    async def say(self, nick: str, raw_text: object) -> dict[str, Any]:
        """Store a message and publish it to everyone in the room (its author too)."""
        stored = await self.store.add_message(self.name, nick, clean_text(raw_text))
        event = {"type": "message", **stored.as_json(), "after": stored.after}
        try:
            await self.layer.group_send(self.group, event)
        except ConnectionError as exc:
            raise NotDelivered(event) from exc
        return event

    @contextlib.asynccontextmanager
    async def membership(self, nick: str) -> AsyncIterator[tuple[Subscription, dict[str, Any]]]:
        """Be in the room for the block: yield the room's events and the welcome event.

        Subscribes before announcing the join, so nothing said after the welcome's
        history is missed; leaving is announced whatever ends the block.
        """
        async with self.layer.subscribe(self.group) as subscription:
            member_id = await self.store.join(self.name, nick)
            heartbeat = asyncio.create_task(self._keep_present(member_id))
            try:
                online = await self._announce(joined=nick)
                history = [message.as_json() for message in await self.store.history(self.name)]
                welcome = {
                    "type": "welcome",
                    "room": self.name,
                    "nick": nick,
                    "history": history,
                    "online": online,
                }
                yield subscription, welcome
            finally:
                heartbeat.cancel()
                # Shielded: a cancelled connection (the client left) must still leave.
                await asyncio.shield(self._leave(member_id, nick))

    async def _leave(self, member_id: str, nick: str) -> None:
        await self.store.leave(member_id)
        # With the layer away, the leave is still stored; the room's next presence event
        # carries the whole list, so nobody stays "online" for good.
        with contextlib.suppress(ConnectionError):
            await self._announce(left=nick)

    async def _announce(self, **change: str) -> list[str]:
        online = await self.store.online(self.name)
        await self.layer.group_send(self.group, {"type": "presence", "online": online, **change})
        return online

    async def _keep_present(self, member_id: str) -> None:
        while True:
            await asyncio.sleep(PRESENCE_REFRESH)
            await self.store.touch(member_id)

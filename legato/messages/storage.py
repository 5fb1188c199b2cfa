"""Messages kept in the session until shown: Django's session storage.

A request's messages are those stored in its session by earlier requests, then those
added during it. Adding keeps a message in memory and touches nothing; the middleware
writes back after the view: only the messages added since they were read, if they were
read (iterated), else all of them. A request that neither adds nor reads messages leaves
the session untouched, so it costs no store round trip.

The session key `_messages` holds a JSON list of `[level, message, extra_tags]`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from legato.messages.constants import DEFAULT_TAGS, INFO

__all__ = ["Message", "SessionStorage"]

SESSION_KEY = "_messages"


class Message:
    """One message: `level`, `message`, `extra_tags`, and `tags` for CSS classes."""

    __slots__ = ("extra_tags", "level", "message")

    def __init__(self, level: int, message: Any, extra_tags: str | None = None) -> None:
        self.level = int(level)
        self.message = message
        self.extra_tags = extra_tags or ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.level, self.message) == (other.level, other.message)

    def __hash__(self) -> int:
        return hash((self.level, self.message))

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        extra = f", extra_tags={self.extra_tags!r}" if self.extra_tags else ""
        return f"Message(level={self.level}, message={self.message!r}{extra})"

    @property
    def level_tag(self) -> str:
        return DEFAULT_TAGS.get(self.level, "")

    @property
    def tags(self) -> str:
        return " ".join(tag for tag in (self.extra_tags, self.level_tag) if tag)


class SessionStorage:
    """A request's messages (`get_messages(request)`): iterate to show and consume them."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.used = False  # iterated: what was stored has been shown
        self.added_new = False
        self._queued: list[Message] = []
        self._stored: list[Message] | None = None  # read from the session when needed
        self._level: int | None = None

    # ------------------------------------------------------------ reading

    def __iter__(self) -> Iterator[Message]:
        return iter(self._all(self._stored_now()))

    async def __aiter__(self) -> AsyncIterator[Message]:
        for message in self._all(await self._astored()):
            yield message

    async def aload(self) -> list[Message]:
        """The messages, read from the session without blocking (marks them shown)."""
        return self._all(await self._astored())

    def __len__(self) -> int:
        return len(self._stored_now()) + len(self._queued)

    def __contains__(self, item: object) -> bool:
        return item in self._stored_now() or item in self._queued

    def _all(self, stored: list[Message]) -> list[Message]:
        self.used = True
        if self._queued:
            stored.extend(self._queued)
            self._queued = []
        return stored

    def _stored_now(self) -> list[Message]:
        if self._stored is None:
            self._stored = _decode(self.request.session.get(SESSION_KEY))
        return self._stored

    async def _astored(self) -> list[Message]:
        if self._stored is None:
            self._stored = _decode(await self.request.session.aget(SESSION_KEY))
        return self._stored

    # ------------------------------------------------------------ adding, levels

    def add(self, level: int, message: Any, extra_tags: str | None = "") -> None:
        """Queue a message, unless it is empty or below the level recorded."""
        if not message or int(level) < self.level:
            return
        self.added_new = True
        self._queued.append(Message(level, message, extra_tags))

    @property
    def level(self) -> int:
        return INFO if self._level is None else self._level

    @level.setter
    def level(self, value: int | None) -> None:
        self._level = None if value is None else int(value)

    # ------------------------------------------------------------ writing back

    def update(self) -> None:
        """Write back to the session what is left to show (sync: the session's sync API)."""
        if self.used:
            _write(self.request.session, self._queued)
        elif self.added_new:
            _write(self.request.session, self._stored_now() + self._queued)

    async def aupdate(self) -> None:
        if self.used:
            await _awrite(self.request.session, self._queued)
        elif self.added_new:
            await _awrite(self.request.session, await self._astored() + self._queued)


def _encode(messages: list[Message]) -> list[list[Any]]:
    return [[m.level, str(m.message), m.extra_tags] for m in messages]


def _decode(raw: object) -> list[Message]:
    """The messages in `raw`; anything malformed is dropped (the data came from a store)."""
    if not isinstance(raw, list):
        return []
    return [
        Message(item[0], item[1], item[2])
        for item in raw
        if isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], int)
        and isinstance(item[1], str)
        and isinstance(item[2], str)
    ]


def _write(session: Any, messages: list[Message]) -> None:
    if messages:
        session[SESSION_KEY] = _encode(messages)
    elif SESSION_KEY in session:
        del session[SESSION_KEY]


async def _awrite(session: Any, messages: list[Message]) -> None:
    if messages:
        await session.aset(SESSION_KEY, _encode(messages))
    else:
        await session.apop(SESSION_KEY, None)

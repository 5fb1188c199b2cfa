"""Define what a channel layer is, and the bounded per-subscriber queue every layer uses.

A layer publishes JSON messages to named groups (`group_send`) and hands out
`Subscription`s (`subscribe`), each a bounded FIFO of the encoded messages of its groups.
Messages are encoded once per `group_send` (orjson) and decoded by each reader, so every
subscriber gets its own copy and all layers behave alike (a tuple arrives as a list).

Slow subscribers: a queue holds at most `capacity` messages. Policy "drop_oldest"
(default) discards the oldest waiting message to make room, counting it in `dropped`;
policy "close" ends the subscription instead, and its reader gets `SubscriberTooSlow`.
Either way a publisher never waits for a reader and memory per subscriber is bounded.

`LocalGroups` is the in-process fan-out: the memory layer publishes straight into it, the
Redis layer feeds it from its one pub/sub connection per process.
"""

from __future__ import annotations

import asyncio
import collections
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

import orjson

__all__ = [
    "DEFAULT_CAPACITY",
    "ChannelLayer",
    "LocalGroups",
    "Overflow",
    "SubscriberTooSlow",
    "Subscription",
    "SubscriptionClosed",
    "check_group",
    "check_policy",
    "encode",
]

DEFAULT_CAPACITY = 100
Overflow = Literal["drop_oldest", "close"]
_GROUP = re.compile(r"[A-Za-z0-9._:-]{1,100}")


class SubscriptionClosed(Exception):
    """The subscription has ended (left its `async with`, or its layer was closed)."""


class SubscriberTooSlow(SubscriptionClosed):
    """More than `capacity` messages waited for this reader, under the "close" policy."""


class ChannelLayer(Protocol):
    """What the app and handlers use; `InMemoryChannelLayer` and `RedisChannelLayer` are it."""

    async def group_send(self, group: str, message: Any) -> None: ...

    def subscribe(
        self, *groups: str, capacity: int | None = None, overflow: Overflow | None = None
    ) -> AbstractAsyncContextManager[Subscription]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def check_group(group: str) -> str:
    if not isinstance(group, str) or not _GROUP.fullmatch(group):
        raise ValueError(
            f"Group name {group!r} is invalid; use 1 to 100 ASCII letters, digits, or "
            "'.', '_', ':', '-' (e.g. 'chat.lobby')."
        )
    return group


def encode(message: Any) -> bytes:
    try:
        return orjson.dumps(message)
    except TypeError as exc:
        raise TypeError(
            f"Channel messages are sent as JSON, and this one cannot be: {exc}. Send "
            "dicts, lists, strings, numbers, booleans or None."
        ) from None


def check_policy(capacity: int, overflow: str) -> None:
    if type(capacity) is not int or capacity < 1:
        raise ValueError(f"capacity must be a whole number >= 1 (got {capacity!r}).")
    if overflow not in ("drop_oldest", "close"):
        raise ValueError(f"overflow must be 'drop_oldest' or 'close' (got {overflow!r}).")


class Subscription:
    """Messages of some groups for one reader: `async for message in subscription`."""

    __slots__ = ("_closed", "_queue", "_waiter", "capacity", "dropped", "groups", "overflow")

    def __init__(
        self,
        groups: Iterable[str],
        capacity: int = DEFAULT_CAPACITY,
        overflow: Overflow = "drop_oldest",
    ) -> None:
        check_policy(capacity, overflow)
        self.groups = tuple(groups)
        self.capacity = capacity
        self.overflow = overflow
        self.dropped = 0
        self._queue: collections.deque[bytes] = collections.deque(maxlen=capacity)
        self._waiter: asyncio.Future[None] | None = None
        self._closed: SubscriptionClosed | None = None

    def __repr__(self) -> str:
        return f"<Subscription {list(self.groups)} {len(self._queue)}/{self.capacity} waiting>"

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def closed(self) -> bool:
        return self._closed is not None

    def deliver(self, raw: bytes) -> None:
        """Queue one encoded message; never blocks (see the module's overflow policies)."""
        if self._closed is not None:
            return
        if len(self._queue) == self.capacity:
            if self.overflow == "close":
                self._end(SubscriberTooSlow(f"more than {self.capacity} messages were waiting"))
                return
            self.dropped += 1  # the deque's maxlen discards the oldest on append
        self._queue.append(raw)
        self._wake()

    def close(self, reason: SubscriptionClosed | None = None) -> None:
        """End the subscription: `async for` ends, `receive()` raises SubscriptionClosed."""
        if self._closed is None:
            self._end(reason or SubscriptionClosed("the subscription is closed"))

    async def receive_raw(self) -> bytes:
        """The next message as the JSON bytes it was sent as (no decoding)."""
        while not self._queue:
            if self._closed is not None:
                raise self._closed
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None
        return self._queue.popleft()

    async def receive(self) -> Any:
        return orjson.loads(await self.receive_raw())

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate(decode=True)

    def raw(self) -> AsyncIterator[bytes]:
        """Iterate the messages as JSON bytes: forward them to a websocket without re-encoding."""
        return self._iterate(decode=False)

    async def _iterate(self, *, decode: bool) -> AsyncIterator[Any]:
        # A plain close ends the loop; SubscriberTooSlow propagates, so the reader knows.
        try:
            while True:
                raw = await self.receive_raw()
                yield orjson.loads(raw) if decode else raw
        except SubscriberTooSlow:
            raise
        except SubscriptionClosed:
            return

    def _end(self, reason: SubscriptionClosed) -> None:
        self._closed = reason
        self._queue.clear()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class LocalGroups:
    """The subscriptions of this process, by group: one `deliver` fans a message out."""

    __slots__ = ("_members",)

    def __init__(self) -> None:
        self._members: dict[str, set[Subscription]] = {}

    def __contains__(self, group: str) -> bool:
        return group in self._members

    def add(self, subscription: Subscription) -> list[str]:
        """Register `subscription`; return the groups that had no local member before."""
        new = [group for group in subscription.groups if group not in self._members]
        for group in subscription.groups:
            self._members.setdefault(group, set()).add(subscription)
        return new

    def remove(self, subscription: Subscription) -> list[str]:
        """Unregister `subscription`; return the groups left with no local member."""
        emptied = []
        for group in subscription.groups:
            members = self._members.get(group)
            if members is None:
                continue
            members.discard(subscription)
            if not members:
                del self._members[group]
                emptied.append(group)
        return emptied

    def deliver(self, group: str, raw: bytes) -> int:
        """Queue `raw` for every subscriber of `group`; return how many there were."""
        members = self._members.get(group)
        if not members:
            return 0
        for subscription in tuple(members):
            subscription.deliver(raw)
        return len(members)

    def close_all(self) -> None:
        for members in list(self._members.values()):
            for subscription in tuple(members):
                subscription.close(SubscriptionClosed("the channel layer was closed"))
        self._members.clear()

    def count(self, group: str) -> int:
        return len(self._members.get(group, ()))

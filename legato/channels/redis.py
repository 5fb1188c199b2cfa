"""Publish to groups across processes and machines through Redis pub/sub.

Each process keeps one Redis client for publishing and one pub/sub connection, read by
one task, whatever its number of subscribers: the reader feeds `LocalGroups`, which fans
each message out to the local subscriptions as the memory layer does. A group's Redis
channel ("<prefix>:<group>") is subscribed when its first local subscriber arrives and
unsubscribed when its last one leaves; `subscribe()` returns only once Redis has
confirmed, so a message published after it is never missed.

Messages published while a process is disconnected from Redis are lost for that process
(pub/sub keeps no history); the reader reconnects with a short backoff and redis-py
subscribes the channels again. Publishing or subscribing while Redis is unreachable
raises the builtin `ConnectionError`, within `_SOCKET_TIMEOUT` seconds when Redis stops
answering without closing the connection (docs/channels.md, "When Redis goes away").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from legato.channels.base import (
    DEFAULT_CAPACITY,
    LocalGroups,
    Overflow,
    Subscription,
    check_group,
    check_policy,
    encode,
)

__all__ = ["RedisChannelLayer"]

logger = logging.getLogger("legato.channels")

_CONFIRM_TIMEOUT = 5.0
# redis-py before 8.0 waits forever by default: a Redis that stops answering (a network
# partition, a paused host) would hang every publisher. A timeout in the URL
# ("?socket_timeout=...") still wins.
_SOCKET_TIMEOUT = 5.0


class RedisChannelLayer:
    """Groups shared by every process that uses the same Redis server and prefix."""

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "legato",
        capacity: int = DEFAULT_CAPACITY,
        overflow: Overflow = "drop_oldest",
    ) -> None:
        check_policy(capacity, overflow)
        self.url = url
        self.prefix = prefix
        self.capacity = capacity
        self.overflow: Overflow = overflow
        self.groups = LocalGroups()
        self._client: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[bytes, asyncio.Future[None]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_without_password(self.url)!r}, prefix={self.prefix!r})"

    async def start(self) -> None:
        """Connect and check that Redis answers, so a wrong URL fails at start-up."""
        client = self._connected()
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            raise ConnectionError(
                f"The Redis channel layer cannot reach {_without_password(self.url)}: {exc}. "
                "Start Redis there, or fix App(channels=...) / LEGATO_CHANNELS_URL."
            ) from exc

    async def close(self) -> None:
        """End every subscription, stop the reader and close both connections."""
        self.groups.close_all()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            await asyncio.wait({reader})
        pubsub, self._pubsub = self._pubsub, None
        client, self._client = self._client, None
        self._pending.clear()
        if pubsub is not None:
            await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 8.2
        if client is not None:
            await client.aclose()

    async def group_send(self, group: str, message: Any) -> None:
        """Publish `message` (JSON-able) to `group` in every process.

        Raises ConnectionError when Redis refuses the connection or does not answer in time.
        """
        channel = self._channel(check_group(group))
        data = encode(message)
        try:
            await self._connected().publish(channel, data)
        except (RedisError, OSError) as exc:
            raise ConnectionError(
                f"Could not publish to group {group!r}: Redis at "
                f"{_without_password(self.url)} failed ({type(exc).__name__}: {exc}). "
                "Subscribers may not get this message (after a timeout, Redis may still "
                "deliver it late)."
            ) from exc

    @asynccontextmanager
    async def subscribe(
        self, *groups: str, capacity: int | None = None, overflow: Overflow | None = None
    ) -> AsyncIterator[Subscription]:
        """Receive the messages sent to `groups` by any process from now until the block ends."""
        if not groups:
            raise ValueError("subscribe() needs at least one group name.")
        subscription = Subscription(
            [check_group(group) for group in groups],
            self.capacity if capacity is None else capacity,
            overflow or self.overflow,
        )
        new = self.groups.add(subscription)
        try:
            await self._listen(new, subscription.groups)
            yield subscription
        finally:
            emptied = self.groups.remove(subscription)
            subscription.close()
            if emptied:
                await self._unlisten(emptied)

    def _channel(self, group: str) -> bytes:
        return f"{self.prefix}:{group}".encode()

    def _connected(self) -> aioredis.Redis:
        if self._client is None:
            self._client = aioredis.Redis.from_url(
                self.url,
                health_check_interval=30,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT,
            )
        return self._client

    async def _listen(self, new: Sequence[str], groups: Sequence[str]) -> None:
        """Subscribe the `new` groups in Redis; wait until every one of `groups` is live."""
        loop = asyncio.get_running_loop()
        channels = [self._channel(group) for group in new]
        for channel in channels:
            self._pending[channel] = loop.create_future()
        waits = [self._pending[c] for c in map(self._channel, groups) if c in self._pending]
        if channels:
            pubsub = self._pubsub_connection()
            try:
                await pubsub.subscribe(*channels)
            except (RedisError, OSError) as exc:
                raise ConnectionError(
                    f"Could not subscribe to {list(groups)}: Redis at "
                    f"{_without_password(self.url)} failed ({type(exc).__name__}: {exc})."
                ) from exc
            if self._reader is None or self._reader.done():
                self._reader = loop.create_task(self._read(pubsub), name="legato-redis-reader")
        if waits:
            try:
                await asyncio.wait_for(
                    asyncio.gather(*map(asyncio.shield, waits)), _CONFIRM_TIMEOUT
                )
            except TimeoutError:
                raise ConnectionError(
                    f"Redis at {_without_password(self.url)} did not confirm the "
                    f"subscription to {list(groups)} within {_CONFIRM_TIMEOUT} s."
                ) from None

    async def _unlisten(self, groups: Sequence[str]) -> None:
        pubsub = self._pubsub
        channels = [self._channel(group) for group in groups]
        for channel in channels:
            self._pending.pop(channel, None)
        if pubsub is not None:
            # A lost connection here only means Redis already forgot the subscription.
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(*channels)

    def _pubsub_connection(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self._connected().pubsub()
        return self._pubsub

    async def _read(self, pubsub: PubSub) -> None:
        # The one reader of this process: whatever goes wrong, it logs and goes on, or
        # every subscription of the process would silently stop.
        backoff = 0.1
        lost_at: float | None = None
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._dispatch(message)
            except (RedisError, OSError) as exc:
                logger.warning("Redis channel layer lost its connection (%s); retrying.", exc)
                if lost_at is None:
                    lost_at = time.monotonic()
            except Exception:
                logger.exception("Redis channel layer could not handle a message; going on.")
            else:
                if lost_at is not None:
                    logger.warning(
                        "Redis channel layer reconnected after %.1f s; messages published "
                        "in that time did not reach this process.",
                        time.monotonic() - lost_at,
                    )
                    lost_at = None
                backoff = 0.1
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel: bytes = message["channel"]
        if kind == "message":
            group = channel[len(self.prefix) + 1 :].decode()
            self.groups.deliver(group, message["data"])
        elif kind == "subscribe":
            waiter = self._pending.pop(channel, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}***@{netloc}"))

"""Publish to groups inside one process: the default channel layer.

`group_send` encodes the message once and queues it for every local subscriber of the
group, without awaiting anything, so a publisher never waits for a reader. Nothing
crosses a process boundary: with several workers, use the Redis layer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from legato.channels.base import (
    DEFAULT_CAPACITY,
    LocalGroups,
    Overflow,
    Subscription,
    check_group,
    check_policy,
    encode,
)

__all__ = ["InMemoryChannelLayer"]


class InMemoryChannelLayer:
    """Groups of subscribers in this process; `App(channels=None)` uses one."""

    def __init__(
        self, *, capacity: int = DEFAULT_CAPACITY, overflow: Overflow = "drop_oldest"
    ) -> None:
        check_policy(capacity, overflow)
        self.capacity = capacity
        self.overflow: Overflow = overflow
        self.groups = LocalGroups()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, overflow={self.overflow!r})"

    async def start(self) -> None:
        """Nothing to connect; here so every layer has the same life cycle."""

    async def close(self) -> None:
        """End every open subscription (their `async for` loops stop)."""
        self.groups.close_all()

    async def group_send(self, group: str, message: Any) -> None:
        """Send `message` (JSON-able) to every current subscriber of `group`."""
        self.groups.deliver(check_group(group), encode(message))

    @asynccontextmanager
    async def subscribe(
        self, *groups: str, capacity: int | None = None, overflow: Overflow | None = None
    ) -> AsyncIterator[Subscription]:
        """Receive the messages sent to `groups` from now until the block ends."""
        subscription = Subscription(
            [check_group(group) for group in groups] or _no_groups(),
            self.capacity if capacity is None else capacity,
            overflow or self.overflow,
        )
        self.groups.add(subscription)
        try:
            yield subscription
        finally:
            self.groups.remove(subscription)
            subscription.close()


def _no_groups() -> list[str]:
    raise ValueError("subscribe() needs at least one group name.")

"""Share one call among all who ask for the same key at once, and keep its value briefly.

A lookup is answered, in order, by: a stored value younger than `ttl` ("cache"); the call
already in flight for that key ("coalesced"); or a new call ("upstream"). So a burst of
identical lookups makes one call, not one per lookup, even before anything is stored.

The call runs in a task of its own and each caller awaits it through `asyncio.shield`: a
caller that is cancelled (its client left) does not cancel the call for the others. When
the last caller leaves before the answer, nobody wants it any more: the call is cancelled
and awaited before that caller's cancellation goes on, so nothing keeps running for gone
clients. Only values that `keep(value)` accepts are stored (the aggregator stores answers,
not failures); every caller of a call still gets its result. At most `max_entries` values
are stored; the oldest go first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, Literal, TypeVar

__all__ = ["CoalescingCache", "Source"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Source = Literal["cache", "coalesced", "upstream"]


def _always(value: object) -> bool:
    return True


class _Flight(Generic[V]):
    """One call in progress and the number of callers waiting for it."""

    __slots__ = ("task", "waiters")

    def __init__(self) -> None:
        self.task: asyncio.Future[V]
        self.waiters = 0


class CoalescingCache(Generic[K, V]):
    """`value, source = await cache.get(key, call)`: a TTL cache with request coalescing."""

    def __init__(
        self,
        ttl: float,
        *,
        keep: Callable[[V], bool] = _always,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries!r}.")
        self.ttl = ttl
        self.max_entries = max_entries
        self._keep = keep
        self._clock = clock
        self._stored: dict[K, tuple[float, V]] = {}
        self._flights: dict[K, _Flight[V]] = {}

    def __len__(self) -> int:
        return len(self._stored)

    @property
    def in_flight(self) -> int:
        return len(self._flights)

    async def get(self, key: K, call: Callable[[], Awaitable[V]]) -> tuple[V, Source]:
        """Return the value for `key` and where it came from, calling `call()` if needed."""
        stored = self._stored.get(key)
        if stored is not None:
            if stored[0] > self._clock():
                return stored[1], "cache"
            del self._stored[key]
        flight = self._flights.get(key)
        if flight is not None:
            return await self._wait(key, flight), "coalesced"
        flight = _Flight()
        flight.task = asyncio.ensure_future(self._call(key, flight, call))
        flight.task.add_done_callback(_retrieve)
        self._flights[key] = flight
        return await self._wait(key, flight), "upstream"

    def clear(self) -> None:
        """Forget the stored values; calls in flight go on for their callers."""
        self._stored.clear()

    async def _call(self, key: K, flight: _Flight[V], call: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await call()
        finally:
            self._forget(key, flight)
        if self._keep(value):
            self._store(key, value)
        return value

    async def _wait(self, key: K, flight: _Flight[V]) -> V:
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                # The last caller was cancelled before the answer came.
                self._forget(key, flight)
                flight.task.cancel()
                await asyncio.wait([flight.task])

    def _forget(self, key: K, flight: _Flight[V]) -> None:
        # A newer flight for the same key may have started since this one was abandoned.
        if self._flights.get(key) is flight:
            del self._flights[key]

    def _store(self, key: K, value: V) -> None:
        if self.ttl <= 0:
            return
        now = self._clock()
        self._stored.pop(key, None)  # re-inserted below, as the newest
        if len(self._stored) >= self.max_entries:
            self._evict(now)
        self._stored[key] = (now + self.ttl, value)

    def _evict(self, now: float) -> None:
        for key in [key for key, (expires, _) in self._stored.items() if expires <= now]:
            del self._stored[key]
        while len(self._stored) >= self.max_entries:
            del self._stored[next(iter(self._stored))]


def _retrieve(task: asyncio.Future[Any]) -> None:
    # If every caller left just as the call failed, nobody reads its exception; reading
    # it here keeps asyncio from logging "exception was never retrieved".
    if not task.cancelled():
        task.exception()

"""The coalescing TTL cache: one call per burst, shielded waiters, nothing left running."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examples.aggregator.cache import CoalescingCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """A call that counts itself and waits until released."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.cancelled = 0
        self.release = asyncio.Event()

    def call(self, key: str, value: object = None):  # type: ignore[no-untyped-def]
        async def run() -> object:
            self.calls[key] += 1
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            return value if value is not None else f"value of {key}"

        return run


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def running_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks()


@pytest.mark.anyio
async def test_burst_of_concurrent_lookups_makes_one_call() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    upstream = Upstream()
    lookups = [asyncio.create_task(cache.get("k", upstream.call("k"))) for _ in range(20)]
    await settle()
    assert cache.in_flight == 1
    upstream.release.set()
    results = await asyncio.gather(*lookups)
    assert upstream.calls == {"k": 1}
    assert {value for value, _ in results} == {"value of k"}
    assert Counter(source for _, source in results) == {"upstream": 1, "coalesced": 19}
    assert cache.in_flight == 0


@pytest.mark.anyio
async def test_value_is_served_from_the_store_until_the_ttl_passes() -> None:
    clock = Clock()
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5, clock=clock)
    upstream = Upstream()
    upstream.release.set()
    assert await cache.get("k", upstream.call("k")) == ("value of k", "upstream")
    clock.now += 4.9
    assert await cache.get("k", upstream.call("k")) == ("value of k", "cache")
    clock.now += 0.1
    assert await cache.get("k", upstream.call("k")) == ("value of k", "upstream")
    assert upstream.calls == {"k": 2}


@pytest.mark.anyio
async def test_values_refused_by_keep_are_shared_in_flight_but_not_stored() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5, keep=lambda value: value != "bad")
    upstream = Upstream()
    first = [asyncio.create_task(cache.get("k", upstream.call("k", "bad"))) for _ in range(3)]
    await settle()
    upstream.release.set()
    assert [value for value, _ in await asyncio.gather(*first)] == ["bad"] * 3
    assert len(cache) == 0
    assert await cache.get("k", upstream.call("k", "bad")) == ("bad", "upstream")
    assert upstream.calls == {"k": 2}


@pytest.mark.anyio
async def test_exception_reaches_every_waiter_and_is_not_stored() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    gate = asyncio.Event()
    calls = 0

    async def failing() -> object:
        nonlocal calls
        calls += 1
        await gate.wait()
        raise LookupError("upstream exploded")

    lookups = [asyncio.create_task(cache.get("k", failing)) for _ in range(3)]
    await settle()
    gate.set()
    results = await asyncio.gather(*lookups, return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    assert calls == 1
    assert (len(cache), cache.in_flight) == (0, 0)


@pytest.mark.anyio
async def test_one_waiter_leaving_does_not_cancel_the_call_for_the_others() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    upstream = Upstream()
    leaving = asyncio.create_task(cache.get("k", upstream.call("k")))
    staying = asyncio.create_task(cache.get("k", upstream.call("k")))
    await settle()
    leaving.cancel()
    await settle()
    assert leaving.cancelled()
    assert upstream.cancelled == 0
    upstream.release.set()
    assert await staying == ("value of k", "coalesced")
    assert upstream.calls == {"k": 1}
    assert len(cache) == 1  # the answer the leaver started is kept for later callers


@pytest.mark.anyio
async def test_last_waiter_leaving_cancels_the_call_and_leaves_nothing_running() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    upstream = Upstream()
    before = running_tasks()
    lookups = [asyncio.create_task(cache.get("k", upstream.call("k"))) for _ in range(3)]
    await settle()
    for lookup in lookups:
        lookup.cancel()
    await asyncio.wait(lookups)
    # The last waiter awaited the call's cancellation before its own went on.
    assert upstream.cancelled == 1
    assert running_tasks() == before
    assert (len(cache), cache.in_flight) == (0, 0)


@pytest.mark.anyio
async def test_lookup_after_an_abandoned_call_starts_a_new_one() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    upstream = Upstream()
    abandoned = asyncio.create_task(cache.get("k", upstream.call("k")))
    await settle()
    abandoned.cancel()
    fresh = asyncio.create_task(cache.get("k", upstream.call("k")))
    await settle()
    upstream.release.set()
    assert await fresh == ("value of k", "upstream")
    assert upstream.calls == {"k": 2}
    assert upstream.cancelled == 1


@pytest.mark.anyio
async def test_waiter_cancelled_at_once_leaves_nothing_running() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5)
    upstream = Upstream()
    before = running_tasks()
    lookup = asyncio.create_task(cache.get("k", upstream.call("k")))
    await asyncio.sleep(0)  # the lookup has scheduled the call, which may not have run
    lookup.cancel()
    await asyncio.wait([lookup])
    assert upstream.cancelled == sum(upstream.calls.values())
    assert running_tasks() == before
    assert cache.in_flight == 0


@pytest.mark.anyio
async def test_zero_ttl_coalesces_but_never_stores() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=0)
    upstream = Upstream()
    burst = [asyncio.create_task(cache.get("k", upstream.call("k"))) for _ in range(5)]
    await settle()
    upstream.release.set()
    await asyncio.gather(*burst)
    await cache.get("k", upstream.call("k"))
    assert upstream.calls == {"k": 2}
    assert len(cache) == 0


@pytest.mark.anyio
async def test_oldest_entries_are_evicted_beyond_max_entries() -> None:
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5, max_entries=2)
    upstream = Upstream()
    upstream.release.set()
    for key in ("a", "b", "c"):
        await cache.get(key, upstream.call(key))
    assert len(cache) == 2
    assert (await cache.get("a", upstream.call("a")))[1] == "upstream"
    assert (await cache.get("c", upstream.call("c")))[1] == "cache"


@pytest.mark.anyio
async def test_expired_entries_are_evicted_before_live_ones() -> None:
    clock = Clock()
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=5, max_entries=2, clock=clock)
    upstream = Upstream()
    upstream.release.set()
    await cache.get("live", upstream.call("live"))
    clock.now += 3
    await cache.get("old", upstream.call("old"))
    clock.now += 3  # "live" (stored first) has expired; "old" has not
    await cache.get("new", upstream.call("new"))
    assert (await cache.get("old", upstream.call("old")))[1] == "cache"


def test_max_entries_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_entries must be at least 1"):
        CoalescingCache(ttl=5, max_entries=0)


@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.floats(min_value=0, max_value=3)),
        max_size=30,
    )
)
def test_calls_match_a_ttl_model_for_any_sequence_of_lookups(
    steps: list[tuple[str, float]],
) -> None:
    ttl = 1.0
    clock = Clock()
    cache: CoalescingCache[str, object] = CoalescingCache(ttl=ttl, clock=clock)
    calls: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    expires: dict[str, float] = {}

    async def lookup(key: str) -> str:
        async def call() -> object:
            calls[key] += 1
            return key

        _, source = await cache.get(key, call)
        return source

    async def run() -> None:
        for key, advance in steps:
            clock.now += advance
            fresh = expires.get(key, float("-inf")) > clock.now
            if not fresh:
                expected[key] += 1
                expires[key] = clock.now + ttl
            assert await lookup(key) == ("cache" if fresh else "upstream")

    asyncio.run(run())
    assert calls == expected

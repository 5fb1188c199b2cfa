"""The bounded per-subscriber queue: order, overflow policies, closing."""

from __future__ import annotations

import asyncio
import tracemalloc

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.channels.base import (
    LocalGroups,
    SubscriberTooSlow,
    Subscription,
    SubscriptionClosed,
    check_group,
    encode,
)


def test_subscription_keeps_messages_in_order_when_under_capacity() -> None:
    async def main() -> list[int]:
        subscription = Subscription(["g"], capacity=10)
        for n in range(5):
            subscription.deliver(encode(n))
        return [await subscription.receive() for _ in range(5)]

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=300))
def test_subscription_drop_oldest_keeps_the_newest_capacity_messages(
    capacity: int, sent: int
) -> None:
    subscription = Subscription(["g"], capacity=capacity)
    for n in range(sent):
        subscription.deliver(encode(n))
    kept = min(capacity, sent)
    assert len(subscription) == kept
    assert subscription.dropped == sent - kept
    assert [orjson.loads(raw) for raw in subscription._queue] == list(range(sent - kept, sent))


def test_subscription_memory_is_bounded_for_a_reader_that_never_reads() -> None:
    subscription = Subscription(["g"], capacity=100)
    tracemalloc.start()
    try:
        for _ in range(1_000):  # full: from here on every new message evicts one
            subscription.deliver(encode({"text": "x" * 1000}))
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(50_000):
            subscription.deliver(encode({"text": "y" * 1000}))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(subscription) == 100
    assert subscription.dropped == 50_900
    # Kept, 50,000 more messages would take 50 MB or more; evicted, they take nothing.
    assert after - baseline < 100_000


def test_subscription_close_policy_ends_a_slow_reader() -> None:
    async def main() -> None:
        subscription = Subscription(["g"], capacity=3, overflow="close")
        for n in range(4):
            subscription.deliver(encode(n))
        assert subscription.closed
        assert len(subscription) == 0
        with pytest.raises(SubscriberTooSlow):
            await subscription.receive()
        with pytest.raises(SubscriberTooSlow):
            async for _ in subscription:
                pass

    asyncio.run(main())


def test_subscription_iteration_ends_when_closed() -> None:
    async def main() -> list[str]:
        subscription = Subscription(["g"])
        received: list[str] = []

        async def read() -> None:
            async for message in subscription:
                received.append(message)

        reader = asyncio.create_task(read())
        subscription.deliver(encode("a"))
        await asyncio.sleep(0)
        subscription.close()
        await asyncio.wait_for(reader, 1)
        with pytest.raises(SubscriptionClosed):
            await subscription.receive()
        return received

    assert asyncio.run(main()) == ["a"]


def test_subscription_raw_yields_the_encoded_bytes() -> None:
    async def main() -> bytes:
        subscription = Subscription(["g"])
        subscription.deliver(encode({"a": [1, 2]}))
        return await anext(subscription.raw())

    assert asyncio.run(main()) == b'{"a":[1,2]}'


def test_subscription_refuses_bad_policies() -> None:
    with pytest.raises(ValueError, match="capacity"):
        Subscription(["g"], capacity=0)
    with pytest.raises(ValueError, match="overflow"):
        Subscription(["g"], overflow="block")  # type: ignore[arg-type]


def test_local_groups_report_first_and_last_members() -> None:
    groups = LocalGroups()
    first = Subscription(["a", "b"])
    second = Subscription(["b"])
    assert groups.add(first) == ["a", "b"]
    assert groups.add(second) == []
    assert groups.deliver("b", encode(1)) == 2
    assert groups.remove(first) == ["a"]
    assert groups.remove(second) == ["b"]
    assert groups.deliver("b", encode(1)) == 0


@given(st.text(max_size=120))
def test_check_group_accepts_only_safe_names(name: str) -> None:
    safe = 0 < len(name) <= 100 and all(c.isascii() and (c.isalnum() or c in "._:-") for c in name)
    if safe:
        assert check_group(name) == name
    else:
        with pytest.raises(ValueError, match="Group name"):
            check_group(name)


def test_encode_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match="sent as JSON"):
        encode({"when": object()})

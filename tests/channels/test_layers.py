"""Both channel layers, through the same tests: the memory one and Redis (a real server).

The contract every layer keeps; what only one layer does is in test_memory.py and
test_redis.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from legato.channels import ChannelLayer, InMemoryChannelLayer, SubscriberTooSlow
from legato.channels.redis import RedisChannelLayer

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "redis"])
async def layer(request: pytest.FixtureRequest) -> AsyncIterator[ChannelLayer]:
    made: ChannelLayer
    if request.param == "memory":
        made = InMemoryChannelLayer(capacity=5)
    else:
        url = request.getfixturevalue("redis_url")
        made = RedisChannelLayer(url, prefix=f"test{id(request)}", capacity=5)
    await made.start()
    try:
        yield made
    finally:
        await made.close()


async def next_message(subscription: object) -> object:
    return await asyncio.wait_for(subscription.receive(), 5)  # type: ignore[attr-defined]


async def test_group_send_reaches_every_subscriber(layer: ChannelLayer) -> None:
    async with layer.subscribe("room") as first, layer.subscribe("room") as second:
        await layer.group_send("room", {"text": "hi", "n": 1})
        assert await next_message(first) == {"text": "hi", "n": 1}
        assert await next_message(second) == {"text": "hi", "n": 1}


async def test_group_send_reaches_only_that_group(layer: ChannelLayer) -> None:
    async with layer.subscribe("a") as in_a, layer.subscribe("b") as in_b:
        await layer.group_send("b", "for b")
        await layer.group_send("a", "for a")
        assert await next_message(in_a) == "for a"
        assert await next_message(in_b) == "for b"


async def test_subscribe_to_several_groups_merges_them_in_order(layer: ChannelLayer) -> None:
    async with layer.subscribe("x", "y") as both:
        for n in range(3):
            await layer.group_send("x" if n % 2 else "y", n)
        assert [await next_message(both) for _ in range(3)] == [0, 1, 2]


async def test_messages_sent_before_subscribing_are_not_received(layer: ChannelLayer) -> None:
    await layer.group_send("late", "early bird")
    async with layer.subscribe("late") as subscription:
        await layer.group_send("late", "on time")
        assert await next_message(subscription) == "on time"


async def test_messages_are_copies_decoded_from_json(layer: ChannelLayer) -> None:
    sent = {"items": (1, 2)}
    async with layer.subscribe("copy") as first, layer.subscribe("copy") as second:
        await layer.group_send("copy", sent)
        one, two = await next_message(first), await next_message(second)
    assert one == two == {"items": [1, 2]}
    assert one is not two


async def test_a_slow_subscriber_keeps_only_the_newest_messages(layer: ChannelLayer) -> None:
    async with layer.subscribe("busy") as slow, layer.subscribe("busy") as fast:
        for n in range(20):
            await layer.group_send("busy", n)
            assert await next_message(fast) == n
        assert len(slow) == 5
        assert slow.dropped == 15
        assert [await next_message(slow) for _ in range(5)] == [15, 16, 17, 18, 19]


async def test_close_policy_ends_a_slow_subscriber(layer: ChannelLayer) -> None:
    async with layer.subscribe("busy", capacity=2, overflow="close") as slow:
        async with layer.subscribe("busy") as witness:
            for n in range(3):
                await layer.group_send("busy", n)
            assert await next_message(witness) == 0
            assert [await next_message(witness) for _ in range(2)] == [1, 2]
        with pytest.raises(SubscriberTooSlow):
            await next_message(slow)


async def test_closing_the_layer_ends_subscriptions(layer: ChannelLayer) -> None:
    async with layer.subscribe("end") as subscription:
        reader = asyncio.ensure_future(_drain(subscription))
        await asyncio.sleep(0.01)
        await layer.close()
        assert await asyncio.wait_for(reader, 5) == []


async def _drain(subscription: object) -> list[object]:
    return [message async for message in subscription]  # type: ignore[attr-defined]


async def test_invalid_group_names_are_refused(layer: ChannelLayer) -> None:
    with pytest.raises(ValueError, match="Group name"):
        await layer.group_send("has space", 1)
    with pytest.raises(ValueError, match="Group name"):
        async with layer.subscribe(""):
            pass

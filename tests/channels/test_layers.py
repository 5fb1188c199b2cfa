"""Both channel layers, through the same tests: the memory one and Redis (a real server)."""

from __future__ import annotations

import asyncio
import signal
import time
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


async def test_redis_layers_share_groups_across_clients(redis_url: str) -> None:
    # Two layer objects, two connections: what two worker processes have.
    one = RedisChannelLayer(redis_url, prefix="shared")
    two = RedisChannelLayer(redis_url, prefix="shared")
    try:
        async with one.subscribe("room") as on_one, two.subscribe("room") as on_two:
            await two.group_send("room", {"from": "two"})
            assert await next_message(on_one) == {"from": "two"}
            assert await next_message(on_two) == {"from": "two"}
    finally:
        await one.close()
        await two.close()


async def test_redis_layer_unsubscribes_when_the_last_local_subscriber_leaves(
    redis_url: str,
) -> None:
    layer = RedisChannelLayer(redis_url, prefix="count")
    try:
        async with layer.subscribe("room"), layer.subscribe("room"):
            assert await _subscribers(layer, "count:room") == 1  # one pub/sub connection
        await asyncio.sleep(0.1)
        assert await _subscribers(layer, "count:room") == 0
    finally:
        await layer.close()


async def _subscribers(layer: RedisChannelLayer, channel: str) -> int:
    counts = await layer._connected().pubsub_numsub(channel)
    return int(counts[0][1])


async def test_redis_layer_start_fails_clearly_when_redis_is_unreachable() -> None:
    from tests.integration.servers import free_port

    layer = RedisChannelLayer(f"redis://:secret@127.0.0.1:{free_port()}/0")
    with pytest.raises(ConnectionError, match=r"cannot reach redis://:\*\*\*@127\.0\.0\.1") as info:
        await layer.start()
    assert "secret" not in str(info.value)
    await layer.close()


async def test_redis_layer_resubscribes_after_redis_restarts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.channels.redis_server import running_redis
    from tests.integration.servers import require_binary

    with running_redis() as url:
        layer = RedisChannelLayer(url, prefix="restart")
        port = url.rsplit(":", 1)[1].split("/")[0]
        try:
            async with layer.subscribe("room") as subscription:
                await layer.group_send("room", "before")
                assert await next_message(subscription) == "before"
                # Restart the server on the same port: the reader reconnects and
                # redis-py subscribes the channel again.
                cli = require_binary("redis-cli", "redis-tools")
                command = (cli, "-p", port, "shutdown", "nosave")
                stopper = await asyncio.create_subprocess_exec(*command)
                await stopper.wait()
                await asyncio.sleep(0.2)
                with running_redis(port=int(port)):
                    for _ in range(50):
                        await asyncio.sleep(0.1)
                        try:
                            await layer.group_send("room", "after")
                        except ConnectionError:
                            continue  # the publishing connection reconnects too
                        try:
                            message = await asyncio.wait_for(subscription.receive(), 0.5)
                        except TimeoutError:
                            continue
                        assert message == "after"
                        break
                    else:
                        raise AssertionError("no message after Redis restarted")
        finally:
            await layer.close()
    assert "Redis channel layer reconnected after" in caplog.text


async def test_redis_layer_raises_connection_error_at_once_when_redis_is_gone() -> None:
    from tests.channels.redis_server import running_redis

    with running_redis() as url:
        layer = RedisChannelLayer(url.replace("redis://", "redis://:secret@"))
        await layer.start()
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionError, match="Could not publish to group 'room'") as sent:
            await layer.group_send("room", "lost")
        with pytest.raises(ConnectionError, match=r"Could not subscribe to \['room'\]"):
            async with layer.subscribe("room"):
                pass
        assert time.monotonic() - started < 1.0
        assert "secret" not in str(sent.value)
    finally:
        await layer.close()


async def test_redis_layer_publish_fails_within_its_timeout_when_redis_stops_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A paused redis-server keeps its connections open and answers nothing, like a host
    # behind a network partition; redis-py before 8.0 would wait for it forever.
    from legato.channels import redis as redis_layer
    from tests.channels.redis_server import redis_process

    monkeypatch.setattr(redis_layer, "_SOCKET_TIMEOUT", 0.5)
    with redis_process() as (url, process):
        layer = RedisChannelLayer(url)
        await layer.start()
        process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(ConnectionError, match="TimeoutError"):
                await asyncio.wait_for(layer.group_send("room", "late"), 10)
            assert 0.5 <= time.monotonic() - started < 2.0
        finally:
            process.send_signal(signal.SIGCONT)
            await layer.close()

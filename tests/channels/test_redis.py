"""The Redis layer alone: groups across clients, unsubscribing, outages and timeouts.

Against a real redis-server started for the module (tests/channels/conftest.py); the
behaviour both layers share is in test_layers.py.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from legato.channels.redis import RedisChannelLayer
from tests.channels.test_layers import next_message

pytestmark = pytest.mark.anyio


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

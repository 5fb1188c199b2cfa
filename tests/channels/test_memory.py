"""The in-memory layer alone: no connection, settings checked at once, per-subscriber policy.

The behaviour it shares with the Redis layer is in test_layers.py.
"""

from __future__ import annotations

import pytest

from legato.channels import InMemoryChannelLayer

pytestmark = pytest.mark.anyio


async def test_it_needs_no_start_and_delivers_within_the_call() -> None:
    layer = InMemoryChannelLayer()
    async with layer.subscribe("room") as subscription:
        await layer.group_send("room", {"n": 1})
        assert len(subscription) == 1  # queued before group_send returned


async def test_a_subscription_may_choose_its_own_capacity_and_policy() -> None:
    layer = InMemoryChannelLayer(capacity=100, overflow="drop_oldest")
    async with layer.subscribe("room", capacity=2, overflow="close") as subscription:
        assert (subscription.capacity, subscription.overflow) == (2, "close")
    assert repr(layer) == "InMemoryChannelLayer(capacity=100, overflow='drop_oldest')"


async def test_a_subscription_that_ended_gets_nothing_more() -> None:
    layer = InMemoryChannelLayer()
    async with layer.subscribe("room") as subscription:
        pass
    await layer.group_send("room", "after")
    assert (len(subscription), subscription.closed) == (0, True)
    assert "room" not in layer.groups


async def test_subscribing_to_no_group_is_refused() -> None:
    with pytest.raises(ValueError, match="needs at least one group name"):
        async with InMemoryChannelLayer().subscribe():
            pass


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"capacity": 0}, "capacity must be a whole number >= 1"),
        ({"overflow": "block"}, "overflow must be 'drop_oldest' or 'close'"),
    ],
)
def test_bad_settings_are_refused_when_the_layer_is_made(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        InMemoryChannelLayer(**options)  # type: ignore[arg-type]

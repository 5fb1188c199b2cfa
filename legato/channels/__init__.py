"""Publish messages to named groups and subscribe to them, in one process or across many.

    await layer.group_send("chat.lobby", {"text": "hi"})
    async with layer.subscribe("chat.lobby") as subscription:
        async for message in subscription:
            ...

`App(channels=None)` (or "memory://") gives the in-memory layer; `App(channels=
"redis://host:6379/0")` the Redis one, shared by every worker; `LEGATO_CHANNELS_URL`
overrides either. The Redis layer's module imports redis-py, so it is imported only
when a Redis URL is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from legato.channels.base import (
    DEFAULT_CAPACITY,
    ChannelLayer,
    Overflow,
    SubscriberTooSlow,
    Subscription,
    SubscriptionClosed,
)
from legato.channels.memory import InMemoryChannelLayer
from legato.exceptions import ImproperlyConfigured

__all__ = [
    "DEFAULT_CAPACITY",
    "ChannelLayer",
    "InMemoryChannelLayer",
    "Overflow",
    "SubscriberTooSlow",
    "Subscription",
    "SubscriptionClosed",
    "channel_layer",
]

ENVIRONMENT_VARIABLE = "LEGATO_CHANNELS_URL"
_REDIS_SCHEMES = ("redis", "rediss", "unix")


def channel_layer(setting: Any = None, environ: Mapping[str, str] | None = None) -> ChannelLayer:
    """Make the layer `App(channels=setting)` asks for: None, a URL, or a layer object."""
    url = (environ or {}).get(ENVIRONMENT_VARIABLE, "").strip()
    if url:
        setting = url
    if setting is None:
        return InMemoryChannelLayer()
    if not isinstance(setting, str):
        if callable(getattr(setting, "group_send", None)) and hasattr(setting, "subscribe"):
            return setting  # type: ignore[no-any-return]
        raise ImproperlyConfigured(
            f"App(channels={setting!r}) is not a channel layer; pass None, 'memory://', a "
            "'redis://host:port/db' URL, or a layer object."
        )
    scheme, separator, _ = setting.partition("://")
    scheme = scheme.lower() if separator else ""
    if scheme == "memory":
        return InMemoryChannelLayer()
    if scheme in _REDIS_SCHEMES:
        from legato.channels.redis import RedisChannelLayer  # needs redis-py: only when asked

        return RedisChannelLayer(setting)
    raise ImproperlyConfigured(
        f"Unknown channel layer URL {setting!r}; use 'memory://' or 'redis://host:6379/0' "
        "(also rediss:// and unix://)."
    )

"""`App(channels=...)`: which layer, the environment override, start-up and shut-down."""

from __future__ import annotations

import asyncio

import pytest

from legato import App
from legato.channels import InMemoryChannelLayer, channel_layer
from legato.channels.redis import RedisChannelLayer
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, JsonResponse
from legato.test import Client
from legato.urls import path, websocket
from legato.websocket import WebSocket


def test_default_is_the_in_memory_layer() -> None:
    assert isinstance(App().channels, InMemoryChannelLayer)
    assert isinstance(App(channels="memory://").channels, InMemoryChannelLayer)


def test_redis_url_gives_the_redis_layer_without_connecting() -> None:
    layer = App(channels="redis://127.0.0.1:1/0").channels
    assert isinstance(layer, RedisChannelLayer)
    assert layer.url == "redis://127.0.0.1:1/0"


def test_environment_overrides_the_argument() -> None:
    layer = channel_layer(None, {"LEGATO_CHANNELS_URL": "redis://cache:6379/2"})
    assert isinstance(layer, RedisChannelLayer)
    assert layer.url == "redis://cache:6379/2"
    assert isinstance(
        channel_layer("redis://x/0", {"LEGATO_CHANNELS_URL": "memory://"}), InMemoryChannelLayer
    )


def test_a_layer_object_is_used_as_given() -> None:
    layer = InMemoryChannelLayer(capacity=7)
    assert App(channels=layer).channels is layer


@pytest.mark.parametrize("setting", ["postgres://x", "redis", 42])
def test_unknown_settings_are_refused_with_the_fix(setting: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        App(channels=setting)  # type: ignore[arg-type]


def test_unreachable_redis_fails_at_start_up() -> None:
    from tests.integration.servers import free_port

    app = App(channels=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(Exception, match=r"channel layer.*cannot reach"):
        asyncio.run(app.startup({}))


def test_http_views_and_websocket_handlers_share_the_layer() -> None:
    async def publish(request: HttpRequest) -> JsonResponse:
        await request.state.channels.group_send("news", {"headline": request.GET["h"]})
        return JsonResponse({"sent": True})

    async def listen(ws: WebSocket) -> None:
        await ws.accept()
        async with ws.app.channels.subscribe("news") as subscription:
            await ws.send_text("ready")
            await ws.send_json(await subscription.receive())

    app = App([path("publish/", publish), websocket("news/", listen)])
    with Client(app) as client, client.websocket("/news/") as ws:
        assert ws.receive_text() == "ready"
        assert client.get("/publish/", {"h": "Legato 1.0"}).json() == {"sent": True}
        assert ws.receive_json() == {"headline": "Legato 1.0"}


def test_redis_layer_is_connected_in_the_lifespan_and_closed_after(redis_url: str) -> None:
    app = App(channels=redis_url)
    layer = app.channels
    assert isinstance(layer, RedisChannelLayer)
    with Client(app) as client:
        client.get("/missing/")
        assert layer._client is not None
    assert layer._client is None

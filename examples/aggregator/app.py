"""Serve the aggregator on its own: `legato run examples.aggregator.app:app`.

Without configuration it calls the simulated upstreams it serves itself, at
http://127.0.0.1:8000/ (where `legato run` serves by default), so it works offline;
served at another address, say so with `AGGREGATOR_BASE_URL=http://127.0.0.1:9000/`.
Point it at real APIs with
`AGGREGATOR_UPSTREAMS="weather=https://... news=https://..."` (and `AGGREGATOR_TIMEOUT`,
`AGGREGATOR_CACHE_TTL`), or build your own with `make_app(upstreams={...})`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from examples.aggregator.lifespan import aggregator_lifespan
from examples.aggregator.settings import DEFAULT_BASE_URL, Upstream
from legato.app import App
from legato.urls import include, path

__all__ = ["app", "make_app"]


def make_app(
    upstreams: Mapping[str, str] | Iterable[Upstream] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 1.0,
    cache_ttl: float = 5.0,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
    **settings: Any,
) -> App:
    """Build the aggregator app; `settings` are `App`'s own (debug, request_timeout, ...)."""
    lifespan = aggregator_lifespan(
        upstreams,
        base_url=base_url,
        timeout=timeout,
        cache_ttl=cache_ttl,
        max_connections=max_connections,
        transport=transport,
    )
    routes = [path("", include("examples.aggregator.urls"))]
    return App(urlpatterns=routes, lifespan=lifespan, **settings)


app = make_app()

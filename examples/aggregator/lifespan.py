"""Open the aggregator's shared HTTP client at start-up and close it at shut-down.

One `httpx.AsyncClient` serves every request for the app's whole life: its pool keeps
connections to the upstreams open between requests (no TCP or TLS handshake per call) and
bounds how many are open at once; a request that finds the pool full waits for a
connection, within its upstream's deadline. What the lifespan yields becomes
`request.state`: `request.state.http` (the client, for views of your own) and
`request.state.aggregator`. Settings are read here, once (see settings.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from examples.aggregator.aggregator import Aggregator
from examples.aggregator.cache import CoalescingCache
from examples.aggregator.fetch import Found, Part
from examples.aggregator.settings import DEFAULT_BASE_URL, Settings, Upstream
from legato.lifespan import LifespanFactory

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["aggregator_lifespan"]

# Idle connections are dropped before uvicorn's 5 s keep-alive timeout (and nginx's 75 s),
# so the client never sends a request on a connection the server is just closing.
KEEPALIVE_EXPIRY = 4.0


def aggregator_lifespan(
    upstreams: Mapping[str, str] | Iterable[Upstream] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 1.0,
    cache_ttl: float = 5.0,
    max_connections: int = 100,
    max_keepalive_connections: int = 20,
    transport: httpx.AsyncBaseTransport | None = None,
) -> LifespanFactory:
    """Return `App(lifespan=...)` for the aggregator; `transport` replaces the network.

    `upstreams` maps names to URLs (or lists `Upstream`s, for per-upstream timeouts);
    None means AGGREGATOR_UPSTREAMS, or else the demo's simulated upstreams. Relative
    URLs are resolved against `base_url`, where the aggregator's routes are served.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        settings = Settings.from_arguments(
            upstreams, timeout=timeout, cache_ttl=cache_ttl, base_url=base_url
        )
        longest = max((upstream.timeout for upstream in settings.upstreams), default=timeout)
        client = httpx.AsyncClient(
            # A backstop only: each call's real deadline is its upstream's timeout.
            timeout=httpx.Timeout(longest),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_keepalive_connections,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
            transport=transport,
            headers={"User-Agent": "legato-aggregator/1", "Accept": "application/json"},
        )
        cache: CoalescingCache[str, Part] = CoalescingCache(settings.cache_ttl, keep=_is_found)
        async with client:
            yield {"http": client, "aggregator": Aggregator(client, settings.upstreams, cache)}

    return lifespan


def _is_found(part: Part) -> bool:
    return isinstance(part, Found)

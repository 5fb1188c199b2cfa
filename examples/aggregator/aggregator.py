"""Answer one request from every upstream at once, with whatever arrived in time.

All upstream calls start together (one `asyncio.TaskGroup`), so an answer takes as long
as the slowest upstream, bounded by its deadline, not the sum of them. Each call goes
through the coalescing cache, keyed by its final URL, so identical concurrent requests
share one call per upstream. The incoming query string is forwarded to every upstream;
parameters written in an upstream's configured URL win over forwarded ones (a client
cannot override an API key). The query string is all a client gives: the scheme, host,
port and path of every call are the configured URL's (settings.py resolves relative ones
at start-up), so no header, path or parameter can point a call elsewhere. Cancelling
`collect` (the client left, the view timed out) cancels the task group and, through the
cache, every call nobody else is waiting for.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Sequence
from typing import Any

import httpx

from examples.aggregator.cache import CoalescingCache, Source
from examples.aggregator.fetch import Found, Missing, Part, fetch_json
from examples.aggregator.settings import Upstream
from legato.exceptions import ImproperlyConfigured
from legato.http.querydict import QueryDict

__all__ = ["Aggregator", "Report"]


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """Each upstream's part and where it came from, and how long collecting took."""

    parts: dict[str, tuple[Part, Source]]
    elapsed: float

    @property
    def status(self) -> int:
        """200 with any data (or nothing asked); 502 when every upstream failed."""
        if any(isinstance(part, Found) for part, _ in self.parts.values()):
            return 200
        return 502 if self.parts else 200

    def as_json(self) -> dict[str, Any]:
        data = {
            name: part.data for name, (part, _) in self.parts.items() if isinstance(part, Found)
        }
        missing = {
            name: part.as_json()
            for name, (part, _) in self.parts.items()
            if isinstance(part, Missing)
        }
        return {
            "complete": not missing,
            "data": data,
            "missing": missing,
            "sources": {name: source for name, (_, source) in self.parts.items()},
            "elapsed_ms": round(self.elapsed * 1000, 1),
        }


class Aggregator:
    """The upstreams, the shared client that calls them, and the cache in front of them."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        upstreams: Sequence[Upstream],
        cache: CoalescingCache[str, Part],
    ) -> None:
        relative = [upstream.name for upstream in upstreams if upstream.is_relative]
        if relative:
            raise ImproperlyConfigured(
                f"Upstreams {relative} have relative URLs; resolve them against the URL the "
                "app is served at first: Settings.from_arguments(..., base_url=...) does."
            )
        self.client = client
        self.upstreams = tuple(upstreams)
        self.cache = cache

    async def collect(self, query: QueryDict) -> Report:
        """Call every upstream concurrently, forwarding `query`, and gather their parts."""
        started = time.perf_counter()
        forwarded = _forwarded(query)
        async with asyncio.TaskGroup() as group:
            tasks = {
                upstream.name: group.create_task(
                    self._part(upstream, _upstream_url(upstream, forwarded))
                )
                for upstream in self.upstreams
            }
        parts = {name: task.result() for name, task in tasks.items()}
        return Report(parts, time.perf_counter() - started)

    async def _part(self, upstream: Upstream, url: str) -> tuple[Part, Source]:
        call = functools.partial(fetch_json, self.client, url, upstream.timeout)
        return await self.cache.get(url, call)


def _forwarded(query: QueryDict) -> httpx.QueryParams | None:
    if not query:
        return None
    # Sorted by key, so "?a=1&b=2" and "?b=2&a=1" share a cache entry and a call; the
    # values of one key keep their order, which an upstream may rely on.
    return httpx.QueryParams(
        [(key, value) for key, values in sorted(query.lists()) for value in values]
    )


def _upstream_url(upstream: Upstream, forwarded: httpx.QueryParams | None) -> str:
    if forwarded is None:
        return upstream.url
    # Only the query changes: httpx encodes the forwarded keys and values into it.
    url = httpx.URL(upstream.url)
    return str(url.copy_with(params=forwarded.merge(url.params)))

"""Serve the simulated upstream APIs on their own, counting the calls they get.

The integration tests run it with uvicorn (`legato run ...:app`), one process per
upstream; the unit tests mount a `CountingUpstream().app()` in-process through
`httpx.ASGITransport`. Calls are counted per "<name>:<city>" so each test can use a city
of its own and never see another test's calls: `GET /calls/` returns
{"started": {...}, "finished": {...}, "cancelled": {...}}.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from examples.aggregator.simulated import simulated_api
from legato.app import App
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, JsonResponse
from legato.urls import path

__all__ = ["CountingUpstream", "app"]


class CountingUpstream:
    def __init__(self) -> None:
        self.started: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.cancelled: Counter[str] = Counter()

    async def api(self, request: HttpRequest, name: str) -> HttpResponse:
        key = f"{name}:{request.GET.get('city', '')}"
        self.started[key] += 1
        try:
            response = await simulated_api(request, name)
        except asyncio.CancelledError:
            self.cancelled[key] += 1  # the aggregator hung up on us
            raise
        self.finished[key] += 1
        return response

    async def calls(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(
            {
                "started": dict(self.started),
                "finished": dict(self.finished),
                "cancelled": dict(self.cancelled),
            }
        )

    def app(self) -> App:
        routes = [path("calls/", self.calls), path("<slug:name>/", self.api)]
        return App(urlpatterns=routes, allowed_hosts=["*"])


app = CountingUpstream().app()

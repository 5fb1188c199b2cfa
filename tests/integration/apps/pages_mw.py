"""An app behind GZipMiddleware and CorsMiddleware, served by uvicorn in the integration
tests: a page, an API view, and an event stream that waits to be released between events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from legato import App
from legato.http import EventStreamResponse, HttpRequest, HttpResponse, JsonResponse
from legato.middleware import CorsMiddleware, GZipMiddleware
from legato.urls import path

PAGE = "<p>Legato serves this paragraph compressed.</p>\n" * 50
ALLOWED_ORIGIN = "https://app.example.com"
calls: list[str] = []
release = asyncio.Event()


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


async def api(request: HttpRequest) -> HttpResponse:
    calls.append(request.method or "")
    return JsonResponse({"items": list(range(3)), "calls": calls})


async def events(request: HttpRequest) -> EventStreamResponse:
    release.clear()

    async def source() -> AsyncIterator[str]:
        yield "first"
        # Held until the test has seen the first event: the stream cannot have ended.
        await asyncio.wait_for(release.wait(), timeout=10)
        yield "second"

    return EventStreamResponse(source(), heartbeat=None)


async def release_events(request: HttpRequest) -> HttpResponse:
    release.set()
    return HttpResponse("released")


app = App(
    urlpatterns=[
        path("", page),
        path("api/", api),
        path("events/", events),
        path("release/", release_events),
    ],
    middleware=[
        CorsMiddleware.configure(
            allowed_origins=[ALLOWED_ORIGIN], allow_credentials=True, urls_regex=r"^/api/"
        ),
        GZipMiddleware,
    ],
)

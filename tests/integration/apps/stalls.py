"""Views that block the event loop, and one that does not (LEGATO_STALL_THRESHOLD=0.1)."""

import asyncio
import time

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path


async def sleeps_in_async_view(request: HttpRequest) -> HttpResponse:
    time.sleep(0.3)  # the mistake: blocks every other request
    return HttpResponse("slept")


async def computes_in_async_view(request: HttpRequest) -> HttpResponse:
    deadline = time.monotonic() + 0.3
    turns = 0
    while time.monotonic() < deadline:  # CPU-bound work on the loop
        turns += 1
    return HttpResponse(str(turns))


async def awaits(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0.3)
    return HttpResponse("awaited")


async def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


app = App(
    [
        path("", hello),
        path("sleep/", sleeps_in_async_view),
        path("compute/", computes_in_async_view),
        path("await/", awaits),
        path("hello/", hello),
    ]
)
application = app.as_wsgi()

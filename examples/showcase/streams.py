"""Long-lived requests in the demo: a live clock over Server-Sent Events and a slow stream."""

import asyncio
import datetime

from legato.http import EventStreamResponse, ServerSentEvent, StreamingHttpResponse
from legato.shortcuts import render
from legato.urls import path


async def clock_page(request):
    return render(request, "showcase/clock.html")


async def clock_events(request):
    # A reconnecting browser sends the id of the last event it saw.
    resume_from = int(request.headers.get("Last-Event-ID", "0") or 0)

    async def ticks():
        n = resume_from
        while True:
            n += 1
            now = datetime.datetime.now().strftime("%H:%M:%S")
            yield ServerSentEvent({"time": now}, event="tick", id=str(n))
            await asyncio.sleep(1)

    return EventStreamResponse(ticks(), heartbeat=15)


async def slow_stream(request):
    async def lines():
        for n in range(1, 11):
            yield f"line {n} of 10, sent at {datetime.datetime.now():%H:%M:%S.%f}\n"
            await asyncio.sleep(0.5)

    return StreamingHttpResponse(lines(), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("clock/", clock_page, name="clock"),
    path("clock/events/", clock_events, name="clock_events"),
    path("slow-stream/", slow_stream, name="slow_stream"),
]

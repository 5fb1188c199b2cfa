"""Lifespan state, after-response work and draining, through the test client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.test import AsyncClient, Client
from legato.urls import path


def test_lifespan_state_is_on_app_and_request() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, object]]:
        yield {"pool": "the pool", "answer": 42}

    async def view(request: HttpRequest) -> JsonResponse:
        request.state.per_request = True  # a copy: never leaks into the next request
        return JsonResponse(
            {"pool": request.state.pool, "answer": request.state.answer, "app": app.state.pool}
        )

    async def other(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"leaked": hasattr(request.state, "per_request")})

    app = App([path("", view), path("other/", other)], lifespan=lifespan)
    with Client(app) as client:
        assert client.get("/").json() == {"pool": "the pool", "answer": 42, "app": "the pool"}
        assert client.get("/other/").json() == {"leaked": False}


def test_after_response_runs_in_order_after_the_response(caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []

    async def record(label: str) -> None:
        events.append(label)

    def broken() -> None:
        raise RuntimeError("side job failed")

    async def view(request: HttpRequest) -> HttpResponse:
        request.after_response(record, "first")
        request.after_response(broken)
        request.after_response(record, label="third")
        events.append("view done")
        return HttpResponse("ok")

    with Client(App([path("", view)])) as client:
        assert client.get("/").text == "ok"
    assert events == ["view done", "first", "third"]
    failure = next(r for r in caplog.records if "After-response work" in r.getMessage())
    assert "GET /" in failure.getMessage()
    assert failure.exc_info is not None


@pytest.mark.anyio
async def test_shutdown_waits_for_in_flight_requests_within_the_grace() -> None:
    finished: list[str] = []

    async def slow(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0.2)
        finished.append("slow")
        return HttpResponse("done")

    app = App([path("", slow)], shutdown_grace=2)
    client = AsyncClient(app)
    pending = asyncio.create_task(client.get("/"))
    await asyncio.sleep(0.05)
    await client.aclose()  # runs the app's shut-down while the request is in flight
    assert (await pending).text == "done"
    assert finished == ["slow"]


@pytest.mark.anyio
async def test_shutdown_cuts_what_outlives_the_grace_with_503_and_refuses_new_requests() -> None:
    cancelled: list[bool] = []

    async def stuck(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return HttpResponse()

    app = App([path("", stuck)], shutdown_grace=0.1)
    client = AsyncClient(app)
    pending = asyncio.create_task(client.get("/"))
    await asyncio.sleep(0.05)
    shutdown = asyncio.create_task(app.shutdown())
    await asyncio.sleep(0.01)
    late = await AsyncClient(app, lifespan=False).get("/")
    assert late.status_code == 503
    await shutdown
    cut = await pending
    assert cut.status_code == 503
    assert (cut["Retry-After"], cut["Connection"]) == ("1", "close")
    assert cancelled == [True]


def test_head_of_a_stream_sends_no_body() -> None:
    from legato.http import StreamingHttpResponse

    produced: list[int] = []

    def numbers():  # type: ignore[no-untyped-def]
        for n in range(3):
            produced.append(n)
            yield str(n)

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(numbers())

    with Client(App([path("", view)])) as client:
        response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert produced == []


def test_logging_of_4xx_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), Client(App([])) as client:
        client.get("/missing/")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

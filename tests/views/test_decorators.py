"""Method restrictions keep async views async; timeout cancels and answers 504.

Requests go through ASGI and WSGI at once (tests/parity.py).
"""

from __future__ import annotations

import asyncio
import inspect
import time

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path
from legato.views.decorators import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
    timeout,
)
from tests.parity import ServeBoth


@require_GET
async def async_only_get(request: HttpRequest) -> HttpResponse:
    return HttpResponse("got")


@require_POST
def sync_only_post(request: HttpRequest) -> HttpResponse:
    return HttpResponse("posted")


@require_safe
async def safe(request: HttpRequest) -> HttpResponse:
    return HttpResponse("safe")


@require_http_methods(["put", "PATCH"])
async def put_or_patch(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.method)


def test_decorated_async_view_stays_async_and_sync_stays_sync() -> None:
    assert inspect.iscoroutinefunction(async_only_get)
    assert inspect.iscoroutinefunction(safe)
    assert not inspect.iscoroutinefunction(sync_only_post)
    assert async_only_get.__name__ == "async_only_get"


def test_method_restrictions_answer_405_with_allow(both: ServeBoth) -> None:
    routes = [
        path("get/", async_only_get),
        path("post/", sync_only_post),
        path("safe/", safe),
        path("pp/", put_or_patch),
    ]
    pair = both(lambda: App(routes))
    assert pair.get("/get/").text == "got"
    refused = pair.request("POST", "/get/")
    assert (refused.status, refused.headers["allow"]) == (405, "GET")
    assert pair.request("POST", "/post/").text == "posted"
    assert pair.get("/post/").status == 405
    assert pair.request("HEAD", "/safe/").status == 200
    assert pair.request("DELETE", "/safe/").status == 405
    assert pair.request("PATCH", "/pp/").text == "PATCH"
    assert pair.get("/pp/").headers["allow"] == "PUT, PATCH"


def test_timeout_cancels_an_async_view_and_answers_504(both: ServeBoth) -> None:
    cancelled: list[bool] = []

    @timeout(0.05)
    async def slow(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return HttpResponse()

    pair = both(lambda: App([path("", slow)]))
    started = time.monotonic()
    response = pair.get("/")
    elapsed = time.monotonic() - started
    assert response.status == 504
    assert elapsed < 4  # two requests, one per server
    assert cancelled == [True, True]


def test_timeout_decorator_overrides_the_app_timeout(both: ServeBoth) -> None:
    @timeout(2)
    async def patient(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0.2)
        return HttpResponse("done")

    assert both(lambda: App([path("", patient)], request_timeout=0.05)).get("/").text == "done"


def test_timeout_on_a_sync_view_answers_504_on_time(both: ServeBoth) -> None:
    @timeout(0.05)
    def slow_sync(request: HttpRequest) -> HttpResponse:
        time.sleep(0.5)
        return HttpResponse()

    pair = both(lambda: App([path("", slow_sync)]))
    started = time.monotonic()
    assert pair.get("/").status == 504
    assert time.monotonic() - started < 0.45  # neither server waited for the view

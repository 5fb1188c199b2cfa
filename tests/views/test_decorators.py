"""Method restrictions keep async views async; timeout cancels and answers 504."""

from __future__ import annotations

import asyncio
import inspect
import time

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.test import Client
from legato.urls import path
from legato.views.decorators import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
    timeout,
)


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


def test_method_restrictions_answer_405_with_allow() -> None:
    app = App(
        [
            path("get/", async_only_get),
            path("post/", sync_only_post),
            path("safe/", safe),
            path("pp/", put_or_patch),
        ]
    )
    with Client(app) as client:
        assert client.get("/get/").text == "got"
        refused = client.post("/get/")
        assert (refused.status_code, refused["Allow"]) == (405, "GET")
        assert client.post("/post/").text == "posted"
        assert client.get("/post/").status_code == 405
        assert client.head("/safe/").status_code == 200
        assert client.delete("/safe/").status_code == 405
        assert client.patch("/pp/").text == "PATCH"
        assert client.get("/pp/")["Allow"] == "PUT, PATCH"


def test_timeout_cancels_an_async_view_and_answers_504() -> None:
    cancelled: list[bool] = []

    @timeout(0.05)
    async def slow(request: HttpRequest) -> HttpResponse:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return HttpResponse()

    with Client(App([path("", slow)])) as client:
        started = time.monotonic()
        response = client.get("/")
        elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert elapsed < 2
    assert cancelled == [True]


def test_timeout_decorator_overrides_the_app_timeout() -> None:
    @timeout(2)
    async def patient(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0.2)
        return HttpResponse("done")

    with Client(App([path("", patient)], request_timeout=0.05)) as client:
        assert client.get("/").text == "done"


def test_timeout_on_a_sync_view_answers_504_on_time() -> None:
    @timeout(0.05)
    def slow_sync(request: HttpRequest) -> HttpResponse:
        time.sleep(0.5)
        return HttpResponse()

    with Client(App([path("", slow_sync)])) as client:
        started = time.monotonic()
        assert client.get("/").status_code == 504
        assert time.monotonic() - started < 0.45

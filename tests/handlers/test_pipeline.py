"""The request pipeline end to end through the test client: views, middleware, hooks."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sync import async_to_sync
from legato.test import Client
from legato.urls import path

request_tag: contextvars.ContextVar[str] = contextvars.ContextVar("request_tag", default="unset")


async def async_hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"async on {threading.current_thread().name}")


def sync_hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"sync on {threading.current_thread().name}")


def test_async_view_runs_on_the_event_loop_thread() -> None:
    with Client(App([path("", async_hello)])) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.text == "async on legato-test-client"


def test_sync_view_runs_in_the_app_thread_pool() -> None:
    with Client(App([path("", sync_hello)])) as client:
        response = client.get("/")
    assert response.text.startswith("sync on legato-sync")


def test_contextvars_set_by_async_middleware_reach_a_sync_view() -> None:
    def tag(get_response: Any) -> Any:
        async def middleware(request: HttpRequest) -> HttpResponse:
            request_tag.set("from middleware")
            return await get_response(request)

        return middleware

    tag.async_capable = True  # type: ignore[attr-defined]
    tag.sync_capable = False  # type: ignore[attr-defined]

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(request_tag.get())

    with Client(App([path("", view)], middleware=[tag])) as client:
        assert client.get("/").text == "from middleware"


def test_async_to_sync_inside_a_sync_view_runs_on_the_app_loop() -> None:
    loops: dict[str, Any] = {}

    async def where() -> Any:
        return asyncio.get_running_loop()

    async def app_loop_probe(request: HttpRequest) -> HttpResponse:
        loops["app"] = asyncio.get_running_loop()
        return HttpResponse("ok")

    def view(request: HttpRequest) -> HttpResponse:
        loops["inner"] = async_to_sync(where)()
        return HttpResponse("ok")

    with Client(App([path("probe/", app_loop_probe), path("", view)])) as client:
        client.get("/probe/")
        client.get("/")
    assert loops["inner"] is loops["app"]


def counting_middleware(log: list[str], name: str, *, is_async: bool) -> Any:
    if is_async:

        def async_factory(get_response: Any) -> Any:
            async def middleware(request: HttpRequest) -> HttpResponse:
                log.append(f"{name} in")
                response = await get_response(request)
                log.append(f"{name} out")
                return response

            return middleware

        async_factory.async_capable = True  # type: ignore[attr-defined]
        async_factory.sync_capable = False  # type: ignore[attr-defined]
        return async_factory

    def sync_factory(get_response: Any) -> Any:
        def middleware(request: HttpRequest) -> HttpResponse:
            log.append(f"{name} in")
            response = get_response(request)
            log.append(f"{name} out")
            return response

        return middleware

    return sync_factory


def test_middleware_runs_in_declared_order_whatever_its_kind() -> None:
    log: list[str] = []
    middleware = [
        counting_middleware(log, "outer-sync", is_async=False),
        counting_middleware(log, "middle-async", is_async=True),
        counting_middleware(log, "inner-sync", is_async=False),
    ]
    with Client(App([path("", async_hello)], middleware=middleware)) as client:
        assert client.get("/").status_code == 200
    assert log == [
        "outer-sync in",
        "middle-async in",
        "inner-sync in",
        "inner-sync out",
        "middle-async out",
        "outer-sync out",
    ]


def test_async_chain_never_starts_a_thread() -> None:
    log: list[str] = []
    app = App(
        [path("", async_hello)],
        middleware=[counting_middleware(log, name, is_async=True) for name in "abc"],
    )
    with Client(app) as client:
        client.get("/")  # warm up: the first request builds the app
        before = threading.active_count()
        started: list[str] = []
        original_start = threading.Thread.start

        def spy(self: threading.Thread) -> None:
            started.append(self.name)
            original_start(self)

        threading.Thread.start = spy  # type: ignore[method-assign]
        try:
            for _ in range(20):
                assert client.get("/").status_code == 200
        finally:
            threading.Thread.start = original_start  # type: ignore[method-assign]
    assert started == []
    assert threading.active_count() <= before


def test_process_view_can_short_circuit_the_view() -> None:
    class Gate:
        async_capable = True
        sync_capable = False

        def __init__(self, get_response: Any) -> None:
            self.get_response = get_response

        async def __call__(self, request: HttpRequest) -> HttpResponse:
            return await self.get_response(request)

        async def process_view(
            self, request: HttpRequest, view: Any, args: Any, kwargs: Any
        ) -> Any:
            if kwargs.get("pk") == 13:
                return HttpResponse("unlucky", status=403)
            return None

    async def item(request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(str(pk))

    with Client(App([path("items/<int:pk>/", item)], middleware=[Gate])) as client:
        assert client.get("/items/7/").text == "7"
        assert client.get("/items/13/").status_code == 403


def test_process_exception_turns_an_error_into_a_response() -> None:
    class Rescue:
        def __init__(self, get_response: Any) -> None:
            self.get_response = get_response

        def __call__(self, request: HttpRequest) -> HttpResponse:
            return self.get_response(request)

        def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
            return HttpResponse(f"rescued {type(exception).__name__}", status=418)

    async def broken(request: HttpRequest) -> HttpResponse:
        raise KeyError("x")

    with Client(App([path("", broken)], middleware=[Rescue])) as client:
        response = client.get("/")
    assert (response.status_code, response.text) == (418, "rescued KeyError")


def test_middleware_not_used_is_left_out() -> None:
    def optional(get_response: Any) -> Any:
        raise MiddlewareNotUsed

    with Client(App([path("", async_hello)], middleware=[optional])) as client:
        assert client.get("/").status_code == 200


def test_middleware_given_by_dotted_path_is_imported() -> None:
    app = App([path("", async_hello)], middleware=["tests.handlers.sample_middleware.add_header"])
    with Client(app) as client:
        assert client.get("/").headers["X-Sample"] == "yes"


def test_middleware_with_neither_mode_is_refused_at_start_up() -> None:
    def useless(get_response: Any) -> Any:
        return get_response

    useless.sync_capable = False  # type: ignore[attr-defined]
    useless.async_capable = False  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="sync_capable/async_capable"):
        App([path("", async_hello)], middleware=[useless]).build()


def test_middleware_sees_errors_as_responses() -> None:
    seen: list[int] = []

    def observe(get_response: Any) -> Any:
        async def middleware(request: HttpRequest) -> HttpResponse:
            response = await get_response(request)
            seen.append(response.status_code)
            return response

        return middleware

    observe.async_capable = True  # type: ignore[attr-defined]
    with Client(App([path("", async_hello)], middleware=[observe])) as client:
        client.get("/missing/")
    assert seen == [404]


def test_json_view_round_trip() -> None:
    async def echo(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"got": request.json()})

    with Client(App([path("echo/", echo)])) as client:
        response = client.post("/echo/", {"a": [1, 2]}, content_type="application/json")
    assert response.json() == {"got": {"a": [1, 2]}}

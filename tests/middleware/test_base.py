"""Middleware written as hooks (`legato.middleware.Middleware`): threads, options, own __call__.

How neighbouring hook middleware run together as one layer (order, answers, errors) is
in tests/handlers/test_hook_layer.py.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from legato.middleware import Middleware
from legato.sync import iscoroutinefunction
from legato.test import Client
from legato.urls import path
from tests.handlers.test_hook_layer import trail, view


class Where(Middleware):
    """Reports the thread of each hook kind: sync (not marked nonblocking) and async."""

    def process_request(self, request: HttpRequest) -> None:
        trail(request).append(f"sync:{threading.current_thread().name}")

    async def process_view(self, request: HttpRequest, *args: Any) -> None:
        trail(request).append(f"async:{threading.current_thread().name}")


class WhereNonblocking(Where):
    nonblocking = True


async def where(request: HttpRequest) -> HttpResponse:
    return HttpResponse("|".join(trail(request)))


def test_sync_hooks_run_in_the_pool_unless_the_class_is_nonblocking() -> None:
    for middleware, sync_in_pool in ((Where, True), (WhereNonblocking, False)):
        with Client(App([path("", where)], middleware=[middleware])) as client:
            sync_part, async_part = client.get("/").text.split("|")
        loop_thread = async_part.removeprefix("async:")
        assert (sync_part != f"sync:{loop_thread}") is sync_in_pool, middleware


def test_under_wsgi_sync_hooks_run_in_the_server_thread() -> None:
    handler = App([path("", where)], middleware=[Where]).as_wsgi()
    try:
        from tests.handlers.test_wsgi import call_wsgi

        seen: list[str] = []
        thread = threading.Thread(
            target=lambda: seen.append(call_wsgi(handler, "GET", "/").body.decode()),
            name="wsgi-worker",
        )
        thread.start()
        thread.join(10)
    finally:
        handler.close()
    sync_part, async_part = seen[0].split("|")
    assert sync_part == "sync:wsgi-worker"
    assert async_part == "async:legato-wsgi-loop"


class Greeting(Middleware):
    nonblocking = True

    def __init__(self, get_response: Any, *, word: str = "hello") -> None:
        super().__init__(get_response)
        self.word = word

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        response["X-Greeting"] = self.word
        return response


def test_configure_passes_options_and_checks_their_names_at_once() -> None:
    with Client(App([path("", view)], middleware=[Greeting.configure(word="hi")])) as client:
        assert client.get("/")["X-Greeting"] == "hi"
    with pytest.raises(TypeError, match=r"Greeting.configure\(\): .*wrod"):
        Greeting.configure(wrod="hi")


class OwnCall(Middleware):
    """A subclass with its own __call__ is an ordinary layer; its __call__ decides."""

    async_capable = True
    sync_capable = False

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await self.get_response(request)
        response["X-Own-Call"] = "yes"
        return response

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        raise AssertionError("not called: __call__ is in charge")


def test_a_subclass_with_its_own_call_is_an_ordinary_layer() -> None:
    with Client(App([path("", view)], middleware=[OwnCall])) as client:
        assert client.get("/")["X-Own-Call"] == "yes"


class Tagging(Middleware):
    """Marks the request on the way in and the response on the way out; may answer early."""

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        trail(request).append("request")
        return HttpResponse("early") if request.GET.get("early") else None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        response["X-Tagged"] = ",".join(trail(request))
        return response


class AsyncTagging(Middleware):
    async def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        response["X-Tagged"] = "async"
        return response


def answer(request: HttpRequest) -> HttpResponse:
    trail(request).append("view")
    return HttpResponse("view")


async def async_answer(request: HttpRequest) -> HttpResponse:
    return answer(request)


def test_an_instance_called_with_a_sync_get_response_answers_at_once() -> None:
    middleware = Tagging(answer)
    response = middleware(HttpRequest())
    assert response.content == b"view"
    assert response["X-Tagged"] == "request,view"
    assert not iscoroutinefunction(middleware)


def test_an_instance_called_directly_stops_at_process_requests_answer() -> None:
    request = HttpRequest()
    request.GET = QueryDict("early=1")
    response = Tagging(answer)(request)
    assert response.content == b"early"
    assert response["X-Tagged"] == "request"


def test_an_instance_called_with_an_async_get_response_returns_an_awaitable() -> None:
    middleware = Tagging(async_answer)
    assert iscoroutinefunction(middleware)  # Django's mark: callers know to await it
    response = asyncio.run(middleware(HttpRequest()))
    assert response["X-Tagged"] == "request,view"


def test_an_async_hook_runs_whichever_get_response_the_instance_has() -> None:
    assert AsyncTagging(answer)(HttpRequest())["X-Tagged"] == "async"
    assert asyncio.run(AsyncTagging(async_answer)(HttpRequest()))["X-Tagged"] == "async"


def test_the_call_keeps_the_base_and_its_plain_subclasses_hook_style() -> None:
    assert Middleware.hook_style is True
    assert Tagging.hook_style is True
    assert OwnCall.hook_style is False

    class SyncOwnCall(Middleware):
        def __call__(self, request: HttpRequest) -> Any:
            return self.get_response(request)

    assert not iscoroutinefunction(SyncOwnCall(async_answer))  # its own __call__ decides

"""Class-based views: dispatch, 405 with Allow, OPTIONS, and the all-sync-or-all-async rule.

Requests go through ASGI and WSGI at once (tests/parity.py).
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.urls import path
from legato.views import View
from tests.parity import Both, ServeBoth


class AsyncItem(View):
    greeting = "hi"

    async def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse({"pk": pk, "greeting": self.greeting})

    async def post(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse({"posted": pk})


class SyncItem(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("sync get")


def served(both: ServeBoth, view: Any, route: str = "items/<int:pk>/") -> Both:
    return both(lambda: App([path(route, view)]))


def test_async_handlers_make_an_async_view() -> None:
    assert inspect.iscoroutinefunction(AsyncItem.as_view())
    assert not inspect.iscoroutinefunction(SyncItem.as_view())


def test_dispatch_by_method_with_initkwargs(both: ServeBoth) -> None:
    pair = served(both, AsyncItem.as_view(greeting="hello"))
    assert pair.get("/items/5/").text == '{"pk":5,"greeting":"hello"}'
    assert pair.request("POST", "/items/5/").text == '{"posted":5}'


def test_head_falls_back_to_get_without_a_body(both: ServeBoth) -> None:
    response = served(both, AsyncItem.as_view()).request("HEAD", "/items/5/")
    assert response.status == 200
    assert response.body == b""


def test_unknown_method_is_405_with_allow_header(both: ServeBoth) -> None:
    response = served(both, AsyncItem.as_view()).request("DELETE", "/items/5/")
    assert response.status == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST", "HEAD", "OPTIONS"}


def test_options_lists_the_allowed_methods(both: ServeBoth) -> None:
    response = served(both, SyncItem.as_view(), "s/").request("OPTIONS", "/s/")
    assert response.status == 200
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_mixed_handlers_are_refused_naming_class_and_handlers() -> None:
    class Mixed(View):
        async def get(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse()

        def post(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse()

    with pytest.raises(ImproperlyConfigured) as caught:
        Mixed.as_view()
    message = str(caught.value)
    assert "Mixed" in message
    assert "get" in message
    assert "post" in message


def test_as_view_refuses_unknown_initkwargs() -> None:
    with pytest.raises(TypeError, match="invalid keyword 'nope'"):
        AsyncItem.as_view(nope=1)


def test_as_view_refuses_method_names_as_initkwargs() -> None:
    with pytest.raises(TypeError, match="method name get"):
        AsyncItem.as_view(get=1)


def test_view_class_is_attached_to_the_view_function() -> None:
    view = AsyncItem.as_view(greeting="x")
    assert view.view_class is AsyncItem  # type: ignore[attr-defined]
    assert view.view_initkwargs == {"greeting": "x"}  # type: ignore[attr-defined]

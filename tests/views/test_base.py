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
from legato.middleware import CsrfViewMiddleware
from legato.urls import path
from legato.views import View
from legato.views.decorators import csrf_exempt
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


def test_as_view_returns_a_function_named_view_as_django_does() -> None:
    view = AsyncItem.as_view()
    assert view.__name__ == "view"
    assert view.__qualname__ == f"{AsyncItem.as_view.__qualname__}.<locals>.view"
    assert view.__module__ == AsyncItem.__module__
    assert view.__doc__ == AsyncItem.__doc__
    assert view.__annotations__ == AsyncItem.dispatch.__annotations__
    assert not hasattr(view, "__wrapped__")


def test_as_view_is_refused_on_an_instance() -> None:
    with pytest.raises(AttributeError, match="only on the class, not on instances"):
        AsyncItem().as_view()


def test_a_subclass_may_override_as_view_and_call_super() -> None:
    class Wrapped(AsyncItem):
        @classmethod
        def as_view(cls, **initkwargs: Any) -> Any:
            return super().as_view(**initkwargs)

    assert Wrapped.as_view().view_class is Wrapped


class ExemptDispatch(View):
    @csrf_exempt
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("posted")


class AsyncExemptDispatch(View):
    @csrf_exempt
    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return await super().dispatch(request, *args, **kwargs)

    async def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("posted")


class Guarded(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("posted")


def test_attributes_set_on_dispatch_are_copied_onto_the_view() -> None:
    assert ExemptDispatch.as_view().csrf_exempt is True  # type: ignore[attr-defined]
    assert AsyncExemptDispatch.as_view().csrf_exempt is True  # type: ignore[attr-defined]
    assert inspect.iscoroutinefunction(AsyncExemptDispatch.as_view())
    assert not hasattr(ExemptDispatch.as_view(), "__wrapped__")


def test_django_method_decorator_on_dispatch_exempts_the_view_from_csrf() -> None:
    decorators = pytest.importorskip("django.utils.decorators")

    @decorators.method_decorator(csrf_exempt, name="dispatch")
    class Exempt(Guarded):
        pass

    assert Exempt.as_view().csrf_exempt is True  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("view", "status"),
    [(ExemptDispatch, 200), (AsyncExemptDispatch, 200), (Guarded, 403)],
)
def test_a_cross_site_post_reaches_a_view_whose_dispatch_is_csrf_exempt(
    both: ServeBoth, view: type[View], status: int
) -> None:
    app = lambda: App([path("form/", view.as_view())], middleware=[CsrfViewMiddleware])  # noqa: E731
    response = both(app).request("POST", "/form/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == status

"""The chain, built once: middleware order whatever its kind, and what a view must return.

The chain's behaviour end to end (threads, hooks, contextvars) is in test_pipeline.py;
these tests hold it to the same answers under ASGI and WSGI (tests/parity.py) and check
`check_response`'s wording directly.
"""

from __future__ import annotations

from typing import Any

import pytest

from legato import App
from legato.handlers.base import check_response
from legato.http import HttpRequest, HttpResponse, HttpResponseBase
from legato.test import Client
from legato.urls import path
from legato.urls.resolver import ResolverMatch
from tests.parity import ServeBoth


async def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(",".join(request.trail))  # type: ignore[attr-defined]


def marking(name: str, kind: str) -> Any:
    """A sync-only or async-only middleware factory that marks the request and response."""

    def factory(get_response: Any) -> Any:
        if kind == "async":

            async def middleware(request: HttpRequest) -> HttpResponseBase:
                request.trail = [*getattr(request, "trail", []), name]  # type: ignore[attr-defined]
                response: HttpResponseBase = await get_response(request)
                response["X-Out"] = f"{response.get('X-Out', '')}{name}"
                return response

        else:

            def middleware(request: HttpRequest) -> HttpResponseBase:  # type: ignore[misc]
                request.trail = [*getattr(request, "trail", []), name]  # type: ignore[attr-defined]
                response: HttpResponseBase = get_response(request)
                response["X-Out"] = f"{response.get('X-Out', '')}{name}"
                return response

        return middleware

    factory.sync_capable = kind == "sync"  # type: ignore[attr-defined]
    factory.async_capable = kind == "async"  # type: ignore[attr-defined]
    return factory


def test_middleware_runs_in_declared_order_whatever_its_kind(both: ServeBoth) -> None:
    middleware = [marking("A", "sync"), marking("B", "async"), marking("C", "sync")]
    response = both(lambda: App([path("", view)], middleware=middleware)).get("/")
    assert response.text == "A,B,C"
    assert response.headers["x-out"] == "CBA"


def test_each_middleware_factory_is_called_once_not_per_request() -> None:
    built: list[str] = []

    def counted(get_response: Any) -> Any:
        built.append("built")
        return get_response

    with Client(App([path("", view)], middleware=[counted, marking("A", "sync")])) as client:
        for _ in range(5):
            assert client.get("/").text == "A"
    assert built == ["built"]


def match_for(func: Any) -> ResolverMatch:
    return App([path("", func)]).resolver.resolve("/")


async def answers(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def test_a_response_passes_the_check() -> None:
    check_response(HttpResponse(), match_for(answers))


@pytest.mark.parametrize(
    ("returned", "wording"),
    [
        (None, "It returned None instead."),
        ({"not": "a response"}, "It returned a dict instead."),
    ],
)
def test_anything_else_fails_with_djangos_wording(returned: object, wording: str) -> None:
    with pytest.raises(ValueError, match="didn't return an HttpResponse object") as failed:
        check_response(returned, match_for(answers))
    assert str(failed.value).endswith(wording)
    assert "tests.handlers.test_base.answers" in str(failed.value)


def test_an_unawaited_coroutine_is_named_closed_and_the_fix_given() -> None:
    coroutine = answers(HttpRequest())
    with pytest.raises(ValueError, match="You may need to add an 'await' into your view"):
        check_response(coroutine, match_for(answers))
    assert coroutine.cr_frame is None  # closed: no "never awaited" warning follows


class CallableView:
    def __call__(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse()


def test_a_callable_instance_view_is_named_by_its_call_method() -> None:
    with pytest.raises(ValueError, match="didn't return") as failed:
        check_response(None, match_for(CallableView()))
    assert str(failed.value).startswith(
        "The view tests.handlers.test_base.CallableView.__call__ didn't return an HttpResponse"
    )

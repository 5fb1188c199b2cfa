"""Neighbouring hook-style middleware as one layer: Django's MiddlewareMixin order and errors.

Every behaviour runs through ASGI and WSGI (the shared `both` fixture, tests/parity.py), so
the one `HookLayer`, on the event loop and run in the WSGI server's thread, is held to
the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from legato import App
from legato.exceptions import PermissionDenied
from legato.handlers.hook_layer import HookLayer
from legato.http import HttpRequest, HttpResponse, HttpResponseBase
from legato.middleware import Middleware
from legato.urls import path
from tests.parity import Both, ServeBoth


def trail(request: HttpRequest) -> list[str]:
    if not hasattr(request, "trail"):
        request.trail = []  # type: ignore[attr-defined]
    return request.trail  # type: ignore[attr-defined,no-any-return]


def hooks(name: str, *, answer: str = "", fail: str = "") -> type[Middleware]:
    """A Middleware that records its hooks; `answer`/`fail` name a hook that answers/raises."""

    class Recorder(Middleware):
        nonblocking = True

        def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
            trail(request).append(f"{name}.request")
            if fail == "request" and request.GET.get("fail") == name:
                raise PermissionDenied(f"{name} refuses")
            if answer == "request" and request.GET.get("answer") == name:
                return HttpResponse(f"answered by {name}: {','.join(trail(request))}")
            return None

        def process_response(
            self, request: HttpRequest, response: HttpResponseBase
        ) -> HttpResponseBase:
            trail(request).append(f"{name}.response")
            if fail == "response" and request.GET.get("fail") == name:
                raise PermissionDenied(f"{name} refuses the response")
            previous = response.get("X-Trail")
            response["X-Trail"] = f"{previous},{name}" if previous else name
            return response

    Recorder.__name__ = Recorder.__qualname__ = f"Recorder{name}"
    return Recorder


async def view(request: HttpRequest) -> HttpResponse:
    trail(request).append("view")
    return HttpResponse(",".join(trail(request)))


def app_with(*middleware: Any) -> Callable[[], App]:
    return lambda: App([path("", view)], middleware=list(middleware))


@pytest.fixture
def stack(both: ServeBoth) -> Both:
    return both(
        app_with(
            hooks("A"),
            hooks("B", answer="request", fail="request"),
            hooks("C", fail="response"),
        )
    )


def test_hooks_run_in_order_outermost_first_in_and_last_out(stack: Both) -> None:
    response = stack.request("GET", "/")
    assert response.text == "A.request,B.request,C.request,view"
    assert response.headers["x-trail"] == "C,B,A"


def test_a_request_hook_answer_skips_the_rest_but_is_unwound_from_there(stack: Both) -> None:
    response = stack.request("GET", "/?answer=B")
    assert response.text == "answered by B: A.request,B.request"
    assert response.headers["x-trail"] == "B,A"  # B's own process_response runs, C's does not


def test_a_request_hook_that_raises_is_answered_by_its_own_guard(stack: Both) -> None:
    response = stack.request("GET", "/?fail=B")
    assert response.status == 403
    assert response.headers["x-trail"] == "A"  # only the middleware outside B see it


def test_a_response_hook_that_raises_hands_the_error_page_outwards(stack: Both) -> None:
    response = stack.request("GET", "/?fail=C")
    assert response.status == 403
    assert response.headers["x-trail"] == "B,A"


class ForgetsToReturn(Middleware):
    nonblocking = True

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        response["X-Seen"] = "yes"  # and no return: Django's classic mistake


def test_a_response_hook_returning_none_is_a_clear_500(
    both: ServeBoth, caplog: pytest.LogCaptureFixture
) -> None:
    response = both(lambda: App([path("", view)], middleware=[ForgetsToReturn])).get("/")
    assert response.status == 500
    message = "ForgetsToReturn.process_response returned NoneType instead of a response"
    logged = [r for r in caplog.records if r.exc_info and message in str(r.exc_info[1])]
    assert len(logged) == 2  # once per server


class Plain:
    """An ordinary async middleware between two hook groups."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        trail(request).append("plain.in")
        response = await self.get_response(request)
        response["X-Trail"] = f"{response['X-Trail']},plain"
        return response


def test_ordinary_middleware_splits_hook_middleware_into_two_layers(both: ServeBoth) -> None:
    response = both(app_with(hooks("A"), hooks("B"), Plain, hooks("C"))).request("GET", "/")
    assert response.text == "A.request,B.request,plain.in,C.request,view"
    assert response.headers["x-trail"] == "C,plain,B,A"
    chain = App([path("", view)], middleware=[hooks("A"), hooks("B"), Plain, hooks("C")]).build()
    assert isinstance(chain.get_response, HookLayer)
    assert chain.get_response.depth == 2


class Rescue(Middleware):
    nonblocking = True

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        return HttpResponse(f"rescued {type(exception).__name__}", status=409)


async def broken(request: HttpRequest) -> HttpResponse:
    raise KeyError("missing")


def test_process_exception_of_a_hook_middleware_replaces_the_error_page(
    both: ServeBoth,
) -> None:
    pair = both(lambda: App([path("", broken)], middleware=[hooks("A"), Rescue]))
    response = pair.request("GET", "/")
    assert (response.status, response.text) == (409, "rescued KeyError")
    assert response.headers["x-trail"] == "A"

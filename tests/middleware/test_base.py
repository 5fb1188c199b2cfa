"""Hook-style middleware: Django's MiddlewareMixin order and error rules, one layer.

Every behaviour runs through ASGI and WSGI (the `both` fixture of the parity tests), so
the one `HookLayer`, on the event loop and run in the WSGI server's thread, is held to
the same answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from legato import App
from legato.exceptions import PermissionDenied
from legato.handlers.hook_layer import HookLayer
from legato.http import HttpRequest, HttpResponse, HttpResponseBase
from legato.middleware import Middleware
from legato.test import Client
from legato.urls import path
from tests.handlers.test_wsgi_parity import Both


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
def stack() -> Iterator[Both]:
    pair = Both(
        app_with(
            hooks("A"),
            hooks("B", answer="request", fail="request"),
            hooks("C", fail="response"),
        )
    )
    yield pair
    pair.close()


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


def test_a_response_hook_returning_none_is_a_clear_500(caplog: pytest.LogCaptureFixture) -> None:
    with Client(
        App([path("", view)], middleware=[ForgetsToReturn]), raise_request_exception=False
    ) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert "ForgetsToReturn.process_response returned NoneType instead of a response" in caplog.text


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


def test_ordinary_middleware_splits_hook_middleware_into_two_layers() -> None:
    pair = Both(app_with(hooks("A"), hooks("B"), Plain, hooks("C")))
    try:
        response = pair.request("GET", "/")
    finally:
        pair.close()
    assert response.text == "A.request,B.request,plain.in,C.request,view"
    assert response.headers["x-trail"] == "C,plain,B,A"
    chain = App([path("", view)], middleware=[hooks("A"), hooks("B"), Plain, hooks("C")]).build()
    assert isinstance(chain.get_response, HookLayer)
    assert chain.get_response.depth == 2


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


class Rescue(Middleware):
    nonblocking = True

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        return HttpResponse(f"rescued {type(exception).__name__}", status=409)


async def broken(request: HttpRequest) -> HttpResponse:
    raise KeyError("missing")


def test_process_exception_of_a_hook_middleware_replaces_the_error_page() -> None:
    pair = Both(lambda: App([path("", broken)], middleware=[hooks("A"), Rescue]))
    try:
        response = pair.request("GET", "/")
    finally:
        pair.close()
    assert (response.status, response.text) == (409, "rescued KeyError")
    assert response.headers["x-trail"] == "A"

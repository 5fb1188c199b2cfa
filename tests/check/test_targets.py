"""What `legato check` reads for an app: each view, handler and middleware function, once."""

from __future__ import annotations

import functools
from typing import Any

from legato import App
from legato.check.analysis import Context
from legato.check.targets import REQUEST, WEBSOCKET, targets_of
from legato.http import HttpRequest, HttpResponse
from legato.middleware import Middleware
from legato.urls import path, websocket
from legato.views import View
from legato.views.decorators import require_GET
from legato.websocket import WebSocket

PREFIX = "tests.check.test_targets."


async def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


@require_GET
async def decorated(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def with_options(request: HttpRequest, *, colour: str) -> HttpResponse:
    return HttpResponse(colour)


class Items(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    async def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse()


class Callable:
    async def __call__(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse()


async def chat(ws: WebSocket) -> None:
    await ws.accept()


class Hooks(Middleware):
    nonblocking = True

    def process_request(self, request: HttpRequest) -> None:
        return None


def factory(get_response: Any) -> Any:
    async def middleware(request: HttpRequest) -> Any:
        return await get_response(request)

    return middleware


factory.async_capable = True  # type: ignore[attr-defined]
factory.sync_capable = False  # type: ignore[attr-defined]


def app() -> App:
    built = App(
        [
            path("plain/", plain),
            path("again/", plain),  # the same view twice: read once
            path("decorated/", decorated),
            path("partial/", functools.partial(with_options, colour="red")),
            path("items/", Items.as_view()),
            path("callable/", Callable()),
            websocket("ws/", chat),
        ],
        middleware=[Hooks, factory],
    )
    built.build()
    return built


def test_every_view_handler_and_middleware_function_is_a_target_once() -> None:
    names = sorted(target.name.removeprefix(PREFIX) for target in targets_of(app()))
    assert names == [
        "Callable.__call__",
        "Hooks.process_request",
        "Items.get",
        "Items.options",  # View's own, in Legato: the project filter drops it later
        "Items.post",
        "chat",
        "decorated",
        "factory.<locals>.middleware",
        "plain",
        "with_options",
    ]


def test_targets_know_their_first_argument_and_where_they_run() -> None:
    targets = {target.name.removeprefix(PREFIX): target for target in targets_of(app())}
    assert targets["chat"].first_argument == WEBSOCKET
    assert targets["plain"].first_argument == REQUEST
    assert targets["Items.get"].owner is Items
    # A nonblocking Middleware's sync hooks run on the loop; other sync code in the pool.
    assert targets["Hooks.process_request"].context is Context.LOOP
    assert targets["with_options"].context is None

"""Serve the benchmark endpoints with Starlette, written the way its docs show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.apps.settings import HELLO, AppSettings, read_settings

__all__ = ["create_app"]


async def hello(request: Request) -> Response:
    return JSONResponse(HELLO)


def sync_hello(request: Request) -> Response:
    return JSONResponse(HELLO)


async def item(request: Request) -> Response:
    return JSONResponse({"pk": request.path_params["pk"], "q": request.query_params.get("q")})


async def filler(request: Request) -> Response:
    return JSONResponse({"filler": request.path_params.get("pk", 0)})


def slow_view(seconds: float) -> Callable[[Request], Awaitable[Response]]:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(seconds)
        return JSONResponse({"slept": seconds})

    return slow


def routes(settings: AppSettings) -> list[Route]:
    fillers = [
        Route(
            ("/{s}" if f.converter_first else "")
            + (f"/area{f.index}/{{pk:int}}/" if f.dynamic else f"/area{f.index}/"),
            filler,
        )
        for f in settings.fillers()
    ]
    return [
        *fillers,
        Route("/hello/", hello),
        Route("/sync-hello/", sync_hello),
        Route("/items/{pk:int}/", item),
        Route("/sleep/", slow_view(settings.sleep)),
    ]


def create_app() -> Starlette:
    return Starlette(routes=routes(read_settings()))

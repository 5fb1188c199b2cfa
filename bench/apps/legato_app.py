"""Serve the benchmark endpoints with Legato, written the way its docs show.

`create_app` is the plain app; `create_app_with_middleware` adds Legato's default stack,
`legato.middleware.DEFAULT_MIDDLEWARE`; `create_app_with_gzip` and `create_app_with_cors`
add `GZipMiddleware` or `CorsMiddleware` to that stack (allowing `CORS_ORIGIN`).
`/page/` answers a 13 KB HTML page, a body worth compressing.
Both read BENCH_ROUTES and BENCH_SLEEP once, through `settings.read_settings`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bench.apps.settings import HELLO, AppSettings, read_settings
from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.middleware import DEFAULT_MIDDLEWARE, CorsMiddleware, GZipMiddleware
from legato.urls import path

__all__ = [
    "CORS_ORIGIN",
    "create_app",
    "create_app_with_cors",
    "create_app_with_gzip",
    "create_app_with_middleware",
]

CORS_ORIGIN = "https://app.example.com"
# 13 KB of table rows, as a listing page would have: text that compresses as HTML does.
PAGE = "".join(
    f"<tr><td>{n}</td><td>item {n}</td><td>{n * 7 % 100}.{n % 10}0</td></tr>\n" for n in range(250)
)


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


def sync_hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


async def item(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse({"pk": pk, "q": request.GET.get("q")})


async def filler(request: HttpRequest, pk: int = 0, s: str = "") -> HttpResponse:
    return JsonResponse({"filler": pk})


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE)


def slow_view(seconds: float) -> Callable[[HttpRequest], Awaitable[HttpResponse]]:
    async def slow(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(seconds)
        return JsonResponse({"slept": seconds})

    return slow


def urlpatterns(settings: AppSettings) -> list[Any]:
    fillers = [
        path(
            ("<slug:s>/" if f.converter_first else "")
            + (f"area{f.index}/<int:pk>/" if f.dynamic else f"area{f.index}/"),
            filler,
        )
        for f in settings.fillers()
    ]
    return [
        *fillers,
        path("hello/", hello),
        path("sync-hello/", sync_hello),
        path("items/<int:pk>/", item),
        path("sleep/", slow_view(settings.sleep)),
        path("page/", page),
    ]


def create_app() -> App:
    return App(urlpatterns(read_settings()))


def create_app_with_middleware() -> App:
    return App(urlpatterns(read_settings()), middleware=list(DEFAULT_MIDDLEWARE))


def create_app_with_gzip() -> App:
    return App(urlpatterns(read_settings()), middleware=[*DEFAULT_MIDDLEWARE, GZipMiddleware])


def create_app_with_cors() -> App:
    cors = CorsMiddleware.configure(allowed_origins=[CORS_ORIGIN])
    return App(urlpatterns(read_settings()), middleware=[cors, *DEFAULT_MIDDLEWARE])

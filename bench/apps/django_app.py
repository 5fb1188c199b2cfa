"""Serve the benchmark endpoints with Django's async views under its ASGI handler.

Django is configured here, in-process, with `settings.configure()`: this is the anchor's
own set-up and has nothing to do with Legato. `create_app` runs with no middleware,
`create_app_with_middleware` with the MIDDLEWARE list `django-admin startproject`
writes. The URL table is built by the factory (the filler routes come first) and handed
to Django as the ROOT_URLCONF module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from django.conf import settings  # type: ignore[import-untyped]
from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.urls import path  # type: ignore[import-untyped]

from bench.apps.settings import HELLO, AppSettings, read_settings

__all__ = ["DEFAULT_MIDDLEWARE", "create_app", "create_app_with_middleware"]

DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


def sync_hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


async def item(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse({"pk": pk, "q": request.GET.get("q")})


async def filler(request: HttpRequest, pk: int = 0, s: str = "") -> HttpResponse:
    return JsonResponse({"filler": pk})


def slow_view(seconds: float) -> Callable[[HttpRequest], Awaitable[HttpResponse]]:
    async def slow(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(seconds)
        return JsonResponse({"slept": seconds})

    return slow


class URLConf(ModuleType):
    """A URL module built at run time: Django reads its `urlpatterns` like a file's."""

    urlpatterns: list[Any]


def urlconf(app_settings: AppSettings) -> URLConf:
    fillers = [
        path(
            ("<slug:s>/" if f.converter_first else "")
            + (f"area{f.index}/<int:pk>/" if f.dynamic else f"area{f.index}/"),
            filler,
        )
        for f in app_settings.fillers()
    ]
    module = URLConf("bench_django_urls")
    module.urlpatterns = [
        *fillers,
        path("hello/", hello),
        path("sync-hello/", sync_hello),
        path("items/<int:pk>/", item),
        path("sleep/", slow_view(app_settings.sleep)),
    ]
    return module


def configure(middleware: list[str]) -> Any:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=urlconf(read_settings()),
        INSTALLED_APPS=INSTALLED_APPS,
        MIDDLEWARE=middleware,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
    return get_asgi_application()


def create_app() -> Any:
    return configure([])


def create_app_with_middleware() -> Any:
    return configure(DEFAULT_MIDDLEWARE)

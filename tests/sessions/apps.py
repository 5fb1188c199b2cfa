"""Views and an app factory shared by the session tests."""

from __future__ import annotations

import secrets
from typing import Any

from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sessions import SessionMiddleware
from legato.urls import path

SECRET = "a-test-secret-key-that-is-long-enough-for-hmac"


def count_sync(request: HttpRequest) -> JsonResponse:
    session = request.session  # type: ignore[attr-defined]
    session["count"] = session.get("count", 0) + 1
    return JsonResponse({"count": session["count"], "key": session.session_key})


async def count_async(request: HttpRequest) -> JsonResponse:
    session = request.session  # type: ignore[attr-defined]
    count = await session.aget("count", 0) + 1
    await session.aset("count", count)
    return JsonResponse({"count": count})


async def peek(request: HttpRequest) -> JsonResponse:
    data = await request.session.aload()  # type: ignore[attr-defined]
    return JsonResponse({"data": dict(data), "key": request.session.session_key})  # type: ignore[attr-defined]


def peek_sync(request: HttpRequest) -> JsonResponse:
    session = request.session  # type: ignore[attr-defined]
    return JsonResponse({"data": dict(session.items()), "key": session.session_key})


async def untouched(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


async def flush(request: HttpRequest) -> HttpResponse:
    await request.session.aflush()  # type: ignore[attr-defined]
    return HttpResponse("flushed")


def flush_sync(request: HttpRequest) -> HttpResponse:
    request.session.flush()  # type: ignore[attr-defined]
    return HttpResponse("flushed")


async def cycle(request: HttpRequest) -> JsonResponse:
    session = request.session  # type: ignore[attr-defined]
    before = session.session_key
    await session.acycle_key()
    return JsonResponse({"before": before, "after": session.session_key})


def cycle_sync(request: HttpRequest) -> JsonResponse:
    session = request.session  # type: ignore[attr-defined]
    before = session.session_key
    session.cycle_key()
    return JsonResponse({"before": before, "after": session.session_key})


async def expire(request: HttpRequest, seconds: int) -> HttpResponse:
    await request.session.aset("count", 1)  # type: ignore[attr-defined]
    await request.session.aset_expiry(seconds)  # type: ignore[attr-defined]
    return HttpResponse("set")


async def big(request: HttpRequest, size: int) -> HttpResponse:
    # Random text: zlib would shrink a repeated character to nothing.
    await request.session.aset("big", secrets.token_hex(size // 2))  # type: ignore[attr-defined]
    return HttpResponse("big")


async def fails(request: HttpRequest) -> HttpResponse:
    await request.session.aset("count", 99)  # type: ignore[attr-defined]
    return HttpResponse("oops", status=500)


async def sync_method_in_async_view(request: HttpRequest) -> HttpResponse:
    request.session["count"] = 1  # type: ignore[attr-defined]
    return HttpResponse("set")


urlpatterns = [
    path("count/", count_sync),
    path("acount/", count_async),
    path("peek/", peek),
    path("peek-sync/", peek_sync),
    path("untouched/", untouched),
    path("flush/", flush),
    path("flush-sync/", flush_sync),
    path("cycle/", cycle),
    path("cycle-sync/", cycle_sync),
    path("expire/<int:seconds>/", expire),
    path("big/<int:size>/", big),
    path("fails/", fails),
    path("sync-in-async/", sync_method_in_async_view),
]


def session_app(**settings: Any) -> App:
    settings.setdefault("secret_key", SECRET)
    return App(urlpatterns, middleware=[SessionMiddleware], **settings)

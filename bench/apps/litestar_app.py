"""Serve the benchmark endpoints with Litestar, written the way its docs show.

Handlers are decorated functions returning dicts; the sync one says
`sync_to_thread=True`, as Litestar asks of blocking handlers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar, get
from litestar.handlers import HTTPRouteHandler

from bench.apps.settings import HELLO, AppSettings, Filler, read_settings

__all__ = ["create_app"]


@get("/hello/")
async def hello() -> dict[str, str]:
    return HELLO


@get("/sync-hello/", sync_to_thread=True)
def sync_hello() -> dict[str, str]:
    return HELLO


@get("/items/{pk:int}/")
async def item(pk: int, q: str | None = None) -> dict[str, Any]:
    return {"pk": pk, "q": q}


async def static_filler() -> dict[str, int]:
    return {"filler": 0}


async def dynamic_filler(pk: int) -> dict[str, int]:
    return {"filler": pk}


async def static_filler_after_slug(s: str) -> dict[str, int]:
    return {"filler": 0}


async def dynamic_filler_after_slug(s: str, pk: int) -> dict[str, int]:
    return {"filler": pk}


def filler(f: Filler) -> HTTPRouteHandler:
    if not f.converter_first:
        if f.dynamic:
            return get(f"/area{f.index}/{{pk:int}}/")(dynamic_filler)
        return get(f"/area{f.index}/")(static_filler)
    if f.dynamic:
        return get(f"/{{s:str}}/area{f.index}/{{pk:int}}/")(dynamic_filler_after_slug)
    return get(f"/{{s:str}}/area{f.index}/")(static_filler_after_slug)


def fillers(settings: AppSettings) -> list[HTTPRouteHandler]:
    return [filler(f) for f in settings.fillers()]


def slow_handler(seconds: float) -> HTTPRouteHandler:
    @get("/sleep/")
    async def slow() -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    return slow


def create_app() -> Litestar:
    settings = read_settings()
    return Litestar(
        route_handlers=[*fillers(settings), hello, sync_hello, item, slow_handler(settings.sleep)]
    )

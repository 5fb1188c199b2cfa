"""Serve the benchmark endpoints with FastAPI, written the way its docs show.

Path operations live on an `APIRouter` and return plain dicts with their return type
annotated, as the tutorial teaches; the factory adds the filler routes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI

from bench.apps.settings import HELLO, AppSettings, read_settings

__all__ = ["create_app"]

router = APIRouter()


@router.get("/hello/")
async def hello() -> dict[str, str]:
    return HELLO


@router.get("/sync-hello/")
def sync_hello() -> dict[str, str]:
    return HELLO


@router.get("/items/{pk}/")
async def item(pk: int, q: str | None = None) -> dict[str, int | str | None]:
    return {"pk": pk, "q": q}


async def static_filler() -> dict[str, int]:
    return {"filler": 0}


async def dynamic_filler(pk: int) -> dict[str, int]:
    return {"filler": pk}


async def static_filler_after_slug(s: str) -> dict[str, int]:
    return {"filler": 0}


async def dynamic_filler_after_slug(s: str, pk: int) -> dict[str, int]:
    return {"filler": pk}


def fillers(settings: AppSettings) -> APIRouter:
    filler_router = APIRouter()
    for f in settings.fillers():
        first = "/{s}" if f.converter_first else ""
        # FastAPI reads each view's signature, so each shape has its own function.
        view: Callable[..., Awaitable[dict[str, int]]]
        if f.dynamic:
            view = dynamic_filler_after_slug if f.converter_first else dynamic_filler
            filler_router.add_api_route(f"{first}/area{f.index}/{{pk}}/", view)
        else:
            view = static_filler_after_slug if f.converter_first else static_filler
            filler_router.add_api_route(f"{first}/area{f.index}/", view)
    return filler_router


def slow_router(seconds: float) -> APIRouter:
    slow_routes = APIRouter()

    @slow_routes.get("/sleep/")
    async def slow() -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    return slow_routes


def create_app() -> FastAPI:
    settings = read_settings()
    app = FastAPI()
    app.include_router(fillers(settings))
    app.include_router(router)
    app.include_router(slow_router(settings.sleep))
    return app

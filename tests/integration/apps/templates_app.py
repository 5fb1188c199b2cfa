"""Pages rendered from templates, served by uvicorn in the integration tests.

Its templates are in templates/pages/ beside this module, found without being listed
(template_app_dirs). The home page awaits async functions from its template; /rows/
streams a page whose rows come one by one, ROW_DELAY apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from legato import App
from legato.http import HttpRequest, HttpResponseBase
from legato.shortcuts import render
from legato.templates import StreamingTemplateResponse
from legato.urls import path

ROWS = 5
ROW_DELAY = 0.3


@dataclass(frozen=True)
class Product:
    slug: str
    name: str


async def products() -> list[Product]:
    await asyncio.sleep(0.01)  # a database query
    return [Product("tea", "Green <tea>"), Product("cup", "Cup & saucer")]


async def price(slug: str) -> str:
    await asyncio.sleep(0.01)  # another service
    return {"tea": "4.50", "cup": "12.00"}[slug]


async def home(request: HttpRequest) -> HttpResponseBase:
    return render(
        request, "pages/home.html", {"title": "Our shop", "products": products, "price": price}
    )


def product(request: HttpRequest, slug: str) -> HttpResponseBase:
    return render(request, "pages/home.html", {"title": slug, "products": products, "price": price})


async def broken(request: HttpRequest) -> HttpResponseBase:
    return render(request, "pages/broken.html")


async def slow_rows() -> AsyncIterator[str]:
    for n in range(1, ROWS + 1):
        await asyncio.sleep(ROW_DELAY)
        yield f"row {n}"


async def rows(request: HttpRequest) -> HttpResponseBase:
    return StreamingTemplateResponse(request, "pages/rows.html", {"rows": slow_rows})


app = App(
    [
        path("", home, name="home"),
        path("products/<slug:slug>/", product, name="product"),
        path("broken/", broken, name="broken"),
        path("rows/", rows, name="rows"),
    ],
    templates=[],
)

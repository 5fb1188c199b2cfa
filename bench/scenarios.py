"""Declare the ASGI scenarios: which servers, which request, which load.

Each row is one server variant answering one path. The six scenarios of issue 5 have a
`floor` row, and each row names the row it is compared with "as Starlette" and, where
the scenario asks a question about one framework (routes, sync views, middleware), the
row it is compared with for that question. Scenario 7 (WSGI) runs elsewhere; see
wsgi_figures.py. Scenario 8 (issues 17 and 18) serves a page to logged-in users: its
rows are compared with Django's, and every request carries one of `logged_in_users`
session cookies, made by each server's own log-in view (bench/logged_in.py).

Rows run on uvicorn; issue 18 adds rows on granian where its questions are asked: the
floor, Legato, Starlette and FastAPI for hello and path + query (each compared with the
same app on uvicorn, and with both floors), the floor and Legato for the slow requests,
and Legato with and without its default stack. A granian row is compared "as
Starlette" with Starlette on granian, when that row is in the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.apps.settings import HELLO, ROUTE_SHAPES
from bench.feed_data import USERS
from bench.variants import (
    DJANGO,
    DJANGO_FEED,
    DJANGO_MIDDLEWARE,
    FASTAPI,
    FLOOR,
    FLOOR_HEADERS,
    LEGATO,
    LEGATO_CORS,
    LEGATO_FEED_DB,
    LEGATO_FEED_SIGNED,
    LEGATO_GZIP,
    LEGATO_MIDDLEWARE,
    LITESTAR,
    ROUTE_COUNTS,
    STARLETTE,
    Variant,
    on_granian,
    with_routes,
)

__all__ = ["SCENARIOS", "Row", "Scenario", "expected_body"]

HELLO_PATH = "/hello/"
SYNC_PATH = "/sync-hello/"
ITEM_PATH = "/items/42/?q=x"
SLEEP_PATH = "/sleep/"
FEED_PATH = "/feed/"

# Rows the smoke run measures; it still starts and checks every other row's server.
_SMOKE_APPS = {
    FLOOR.target,
    FLOOR_HEADERS.target,
    LEGATO.target,
    LEGATO_MIDDLEWARE.target,
    LEGATO_GZIP.target,
    LEGATO_CORS.target,
    STARLETTE.target,
    LEGATO_FEED_DB.target,
    LEGATO_FEED_SIGNED.target,
    DJANGO_FEED.target,  # the feed page's only comparison
}


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    variant: Variant
    path: str
    starlette: str | None = "starlette"
    baseline: str | None = None

    @property
    def in_smoke(self) -> bool:
        return self.variant.target in _SMOKE_APPS


@dataclass(frozen=True, slots=True)
class Scenario:
    number: int
    slug: str
    title: str
    description: str
    rows: tuple[Row, ...]
    connections: int = 64
    slow: bool = False  # long requests: longer runs, fresh servers, memory and threads
    baseline_label: str | None = None
    logged_in_users: int = 0  # > 0: requests carry these users' session cookies

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)


def expected_body(path: str, sleep: float) -> Any:
    if path in (HELLO_PATH, SYNC_PATH):
        return HELLO
    if path == ITEM_PATH:
        return {"pk": 42, "q": "x"}
    if path == SLEEP_PATH:
        return {"slept": sleep}
    raise ValueError(f"No expected body for {path!r}; add it to expected_body().")


def _rows(path: str, *variants: Variant) -> tuple[Row, ...]:
    return tuple(Row(v.key, v.label, v, path) for v in variants)


def _granian_rows(path: str, *variants: Variant) -> tuple[Row, ...]:
    """Rows of `variants` on granian, each compared with itself on uvicorn."""
    in_scenario = {variant.key for variant in variants}
    starlette = on_granian(STARLETTE).key if STARLETTE.key in in_scenario else None
    return tuple(
        Row(on_granian(v).key, v.label, on_granian(v), path, starlette, baseline=v.key)
        for v in variants
    )


_ANCHORS = (FLOOR, LEGATO, STARLETTE, FASTAPI, LITESTAR, DJANGO)
_ANCHORS_ON_GRANIAN = (FLOOR, LEGATO, STARLETTE, FASTAPI)
_VS_UVICORN = "vs same app on uvicorn"

HELLO_JSON = Scenario(
    1,
    "hello-json",
    "Hello JSON",
    f"`GET {HELLO_PATH}` answered by an async view returning a small JSON object.",
    _rows(HELLO_PATH, *_ANCHORS, DJANGO_MIDDLEWARE)
    + _granian_rows(HELLO_PATH, *_ANCHORS_ON_GRANIAN),
    baseline_label=_VS_UVICORN,
)

PATH_AND_QUERY = Scenario(
    2,
    "path-query",
    "Path converter and query string",
    f"`GET {ITEM_PATH}`: an `<int:pk>` converter and `q` read from the query string, "
    "echoed as JSON.",
    _rows(ITEM_PATH, *_ANCHORS, DJANGO_MIDDLEWARE) + _granian_rows(ITEM_PATH, *_ANCHORS_ON_GRANIAN),
    baseline_label=_VS_UVICORN,
)

SLOW_REQUESTS = Scenario(
    3,
    "slow-1000",
    "1,000 concurrent slow requests",
    f"1,000 connections, each `GET {SLEEP_PATH}` to an async view that awaits "
    "`asyncio.sleep(1)`. Each server is started fresh for this scenario; memory and "
    "threads are sampled from `/proc/<pid>/status` every 10 ms while the load runs "
    "(on granian, of its worker process).",
    _rows(SLEEP_PATH, *_ANCHORS) + _granian_rows(SLEEP_PATH, FLOOR, LEGATO),
    connections=1000,
    slow=True,
    baseline_label=_VS_UVICORN,
)


def _route_rows() -> tuple[Row, ...]:
    rows = [Row(FLOOR.key, FLOOR.label, FLOOR, ITEM_PATH, starlette="starlette@10")]
    for variant in (LEGATO, STARLETTE, FASTAPI, LITESTAR, DJANGO):
        for shape in ROUTE_SHAPES:
            sized = [with_routes(variant, count, shape) for count in ROUTE_COUNTS]
            # Each row is compared with Starlette's of the same size and shape, and with
            # its own framework's smallest table of the same shape.
            rows.extend(
                Row(
                    row.key,
                    row.label,
                    row,
                    ITEM_PATH,
                    starlette=with_routes(STARLETTE, row.routes, shape).key,
                    baseline=sized[0].key,
                )
                for row in sized
            )
    return tuple(rows)


URL_TABLE_GROWTH = Scenario(
    4,
    "url-table",
    "URL table growth",
    f"`GET {ITEM_PATH}` with 10, 100 and 1,000 filler routes (alternately static and "
    "with an `<int:pk>` converter) registered before the measured one; then the same "
    'behind a leading `<slug:s>/` segment ("converter-first": `<slug:s>/area1/<int:pk>/`), '
    "which no literal prefix tells apart from the measured route. The Starlette ratio "
    "compares with Starlette at the same size and shape.",
    _route_rows(),
    baseline_label="vs own 10 routes",
)


def _sync_rows() -> tuple[Row, ...]:
    rows = [Row(FLOOR.key, FLOOR.label, FLOOR, HELLO_PATH)]
    for variant in (LEGATO, STARLETTE, FASTAPI, LITESTAR, DJANGO):
        rows.append(Row(variant.key, f"{variant.label}, async view", variant, HELLO_PATH))
        rows.append(
            Row(
                f"{variant.key}-sync",
                f"{variant.label}, sync view",
                variant,
                SYNC_PATH,
                starlette="starlette-sync",
                baseline=variant.key,
            )
        )
    return tuple(rows)


SYNC_VIEW = Scenario(
    5,
    "sync-view",
    "A sync view under ASGI",
    f"`GET {SYNC_PATH}` (a plain `def` view, run in each framework's thread pool) "
    f"beside `GET {HELLO_PATH}` (the same view as `async def`) on the same server.",
    _sync_rows(),
    baseline_label="vs own async view",
)

MIDDLEWARE = Scenario(
    6,
    "middleware",
    "Default middleware stack on and off",
    f"`GET {HELLO_PATH}` with no middleware and with each framework's default stack: "
    "Django's `startproject` MIDDLEWARE (seven entries: security, sessions, common, CSRF, "
    "authentication, messages, clickjacking) and Legato's `DEFAULT_MIDDLEWARE` (three: "
    "security headers, CSRF, clickjacking; Legato has no sessions, authentication or "
    "messages yet). The second row is the floor sending the four headers Legato's stack "
    "adds: what the server itself spends on them. The GZip and CORS rows add each to the "
    "default stack; wrk sends neither Accept-Encoding nor Origin, so they show what the "
    "two cost a request they leave alone (the hello body is below GZip's 200 bytes).",
    (
        Row(FLOOR.key, FLOOR.label, FLOOR, HELLO_PATH),
        Row(FLOOR_HEADERS.key, FLOOR_HEADERS.label, FLOOR_HEADERS, HELLO_PATH, baseline=FLOOR.key),
        Row(STARLETTE.key, STARLETTE.label, STARLETTE, HELLO_PATH),
        Row(LEGATO.key, "Legato, no middleware", LEGATO, HELLO_PATH),
        Row(
            LEGATO_MIDDLEWARE.key,
            "Legato, default stack",
            LEGATO_MIDDLEWARE,
            HELLO_PATH,
            baseline=LEGATO.key,
        ),
        Row(
            LEGATO_GZIP.key,
            "Legato, default stack + GZip",
            LEGATO_GZIP,
            HELLO_PATH,
            baseline=LEGATO.key,
        ),
        Row(
            LEGATO_CORS.key,
            "Legato, CORS + default stack",
            LEGATO_CORS,
            HELLO_PATH,
            baseline=LEGATO.key,
        ),
        Row(DJANGO.key, "Django, no middleware", DJANGO, HELLO_PATH),
        Row(
            DJANGO_MIDDLEWARE.key,
            "Django, default MIDDLEWARE",
            DJANGO_MIDDLEWARE,
            HELLO_PATH,
            baseline=DJANGO.key,
        ),
        # The same two Legato rows on granian: what the stack costs on a faster server.
        Row(
            on_granian(LEGATO).key,
            "Legato, no middleware",
            on_granian(LEGATO),
            HELLO_PATH,
            starlette=None,
        ),
        Row(
            on_granian(LEGATO_MIDDLEWARE).key,
            "Legato, default stack",
            on_granian(LEGATO_MIDDLEWARE),
            HELLO_PATH,
            starlette=None,
            baseline=on_granian(LEGATO).key,
        ),
    ),
    baseline_label="vs no middleware",
)

FEED_PAGE = Scenario(
    8,
    "feed-page",
    "Feed page for logged-in users",
    f"`GET {FEED_PATH}` as one of {USERS} users logged in beforehand through each "
    "server's own log-in view (wrk cycles through their session cookies with "
    "`bench/feed.lua`): the user from the session, then one indexed query (the latest "
    "20 posts of the 10 people the user follows, joined with their authors, from 400 "
    "posts), rendered by a small template (about 4 KB of HTML, autoescaped text, a "
    "reversed URL and a formatted date per post). Each framework has its own tables in "
    "one SQLite file, built before the run with the same rows (`python -m "
    "bench.feed_build`); each app runs its session and authentication middleware and "
    'nothing else. Legato: `legato.sessions` with `session_store="db"` (the session '
    "read from the database, as Django's) and with the default signed cookies, "
    "`await request.auser()`, `request.db` (SQLAlchemy on aiosqlite), Jinja2 through "
    "`render()`. Django: an async view, `django.contrib.sessions` (database backend), "
    "`await request.auser()`, the async ORM, its template engine (cached loader).",
    (
        Row(DJANGO_FEED.key, DJANGO_FEED.label, DJANGO_FEED, FEED_PATH, starlette=None),
        Row(
            LEGATO_FEED_DB.key,
            LEGATO_FEED_DB.label,
            LEGATO_FEED_DB,
            FEED_PATH,
            starlette=None,
            baseline=DJANGO_FEED.key,
        ),
        Row(
            LEGATO_FEED_SIGNED.key,
            LEGATO_FEED_SIGNED.label,
            LEGATO_FEED_SIGNED,
            FEED_PATH,
            starlette=None,
            baseline=DJANGO_FEED.key,
        ),
    ),
    connections=USERS,  # as many as there are users (their cookies cycle over requests)
    baseline_label="vs Django",
    logged_in_users=USERS,
)

SCENARIOS = (
    HELLO_JSON,
    PATH_AND_QUERY,
    SLOW_REQUESTS,
    URL_TABLE_GROWTH,
    SYNC_VIEW,
    MIDDLEWARE,
    FEED_PAGE,
)

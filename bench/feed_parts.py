"""Where a Legato feed page's time goes, in-process: `python -m bench.feed_parts`.

Builds the feed database in a scratch directory, then on uvloop, one request at a time,
times the whole page through `legato.test.AsyncClient` (logged in, signed-cookie or
database sessions) and, separately, its three parts as the view and the middleware do
them: the feed query in a session of its own, loading the user by id in a session of
its own, and rendering the template with 20 posts. Prints the median of `--requests`
of each, in microseconds. Run it under the benchmark lock, pinned to one core:
`flock /tmp/legato-bench.lock taskset -c 0 .venv/bin/python -m bench.feed_parts`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import uvloop

from bench.feed_data import PASSWORD, USERS, username
from bench.logged_in import build_feed_database

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_parts", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="of each measurement")
    count = parser.parse_args(argv).requests
    with tempfile.TemporaryDirectory(prefix="legato-feed-parts-") as directory:
        os.environ["BENCH_FEED_DB"] = str(build_feed_database(Path(directory)))
        for name, micros in uvloop.run(_measure(count)).items():
            print(f"{name:<44} {micros:8.0f} us")
    return 0


async def _measure(count: int) -> dict[str, float]:
    from bench.apps import legato_feed_app

    results = {
        "page, signed-cookie sessions": await _page(
            legato_feed_app.create_app_with_signed_cookies(), count
        ),
        "page, sessions in the database": await _page(legato_feed_app.create_app(), count),
    }
    return {**results, **await _parts(legato_feed_app.create_app_with_signed_cookies(), count)}


async def _page(app: Any, count: int) -> float:
    from legato.test import AsyncClient

    async with AsyncClient(app) as client:
        answer = await client.post("/login/", {"username": username(1), "password": PASSWORD})
        if answer.status_code != 200:
            raise RuntimeError(f"POST /login/ answered {answer.status_code}")

        async def page(_: int) -> None:
            await client.get("/feed/")

        return await _median(page, count)


async def _parts(app: Any, count: int) -> dict[str, float]:
    from bench.apps.legato_feed_app import latest_posts
    from legato.auth.models import User

    database = app.database

    async def query(index: int) -> None:
        async with database.session() as session:
            (await session.scalars(latest_posts(index % USERS + 1))).all()

    async def user(index: int) -> None:
        async with database.session() as session:
            await session.get(User, index % USERS + 1)

    async with database.session() as session:
        context = {
            "user": await session.get(User, 1),
            "posts": (await session.scalars(latest_posts(1))).all(),
        }

    async def render(_: int) -> None:
        await app.templates.render_async("legato_feed/feed.html", context)

    try:
        return {
            "feed query (own session)": await _median(query, count),
            "user by id (own session)": await _median(user, count),
            "template render": await _median(render, count),
        }
    finally:
        await database.dispose()


async def _median(step: Callable[[int], Awaitable[None]], count: int) -> float:
    for index in range(20):  # warm: compiled templates, pooled connections
        await step(index)
    times = []
    for index in range(count):
        started = time.perf_counter()
        await step(index)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


if __name__ == "__main__":
    raise SystemExit(main())

"""The data layer on a real PostgreSQL server (asyncpg), under uvicorn and granian."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.postgres import postgres_server
from tests.integration.servers import SERVERS, legato_server, server_options

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest, database_url: str) -> Iterator[str]:
    env = {"LEGATO_DATABASE_URL": database_url}
    options = server_options(request.param)
    with legato_server("tests.integration.apps.dbapp:app", *options, env=env) as url:
        yield url


def test_commits_are_visible_to_the_next_request(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.post("/items/", json={"name": "first"}).status_code == 201
        assert client.get("/items/").json()["items"][-1] == "first"


async def _slow_query_with_traffic(base_url: str) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        started = time.monotonic()
        slow = asyncio.create_task(client.get("/slow/"))
        await asyncio.sleep(0.1)  # the slow query is now waiting in PostgreSQL

        async def timed_list() -> float:
            response = await client.get("/items/")
            assert response.status_code == 200
            return time.monotonic() - started

        finished = await asyncio.gather(*(timed_list() for _ in range(20)))
        assert (await slow).json() == {"slept": 1}
        return time.monotonic() - started, list(finished)


def test_twenty_requests_are_served_while_a_slow_query_waits(base_url: str) -> None:
    slow_took, others_done_at = asyncio.run(_slow_query_with_traffic(base_url))
    assert slow_took >= 1.0
    assert max(others_done_at) < 0.9, others_done_at  # all 20 before the slow one ended


def test_request_db_commits_and_rolls_back_on_postgres(database_url: str) -> None:
    from legato.test import Client
    from tests.db.test_request_session import make_app

    with Client(make_app(database_url), raise_request_exception=False) as client:
        before = client.get("/count/").json()["count"]
        assert (
            client.post("/notes/", {"text": "pg"}, content_type="application/json").status_code
            == 201
        )
        assert client.post("/fail/").status_code == 500
        assert client.get("/count/").json()["count"] == before + 1

"""Users and failed-login counters on a real PostgreSQL server (asyncpg)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from legato.auth.models import Base
from legato.auth.throttle import DatabaseCounters
from legato.test import Client
from tests.auth.conftest import make_app
from tests.auth.site import site_app
from tests.integration.postgres import postgres_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.mark.anyio
async def test_concurrent_failures_on_one_key_are_all_counted(database_url: str) -> None:
    # Two first failures at once both find no row and insert: one hits the primary key
    # and must count in the other's window, not fail the login with a 500.
    app = make_app(database=database_url)
    assert app.database is not None
    await app.database.create_all(Base.metadata)
    try:
        counters = DatabaseCounters(app)
        for round_number in range(5):
            key = f"race{round_number}"
            await asyncio.gather(*(counters.hit([key], 60) for _ in range(10)))
            assert (await counters.read([key]))[0][0] == 10
    finally:
        await app.database.drop_all(Base.metadata)
        await app.database.dispose()


def test_login_throttle_and_logout_on_postgres(database_url: str) -> None:
    ada = {"username": "ada", "password": "ada's password"}
    app = site_app([ada], database=database_url, session_store="db", login_failure_limit=2)
    with Client(app) as client:
        assert client.post("/accounts/login/", ada).status_code == 302
        assert client.get("/whoami/").json()["user"] == "ada"
        client.post("/accounts/logout/")
        for _ in range(2):
            client.post("/accounts/login/", {**ada, "password": "wrong"})
        assert client.post("/accounts/login/", ada).status_code == 429
        # NUL bytes would make PostgreSQL refuse the query: a failed login instead.
        nul = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
        assert nul.status_code == 200

"""The database (SQLite file, PostgreSQL) and Redis stores, each against a real server."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legato import App
from legato.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from legato.sessions.stores import database as database_store
from legato.sessions.stores.base import new_session_key
from legato.test import AsyncClient, Client
from tests.channels.redis_server import running_redis
from tests.integration.postgres import postgres_server
from tests.sessions.apps import session_app
from tests.sessions.browser import Browser

Browse = Callable[[App], Browser]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


class StoreApp:
    """`store_app(**settings)`: the session app on one real store (`kind`)."""

    def __init__(self, kind: str, settings: dict[str, Any]) -> None:
        self.kind = kind
        self.settings = settings

    def __call__(self, **settings: Any) -> App:
        return session_app(**self.settings, **settings)


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def store_app(request: pytest.FixtureRequest, tmp_path: Path) -> StoreApp:
    kind = request.param
    if kind == "redis":
        url = request.getfixturevalue("redis_url")
        return StoreApp(kind, {"session_store": "redis", "session_redis_url": url})
    database = (
        request.getfixturevalue("postgres_url")
        if kind == "postgres"
        else f"sqlite+aiosqlite:///{tmp_path}/sessions.sqlite3"
    )
    return StoreApp(kind, {"session_store": "db", "database": database})


def data_of(browser: Browser) -> Any:
    return json.loads(browser.get("/peek/").body)["data"]


def test_session_counts_in_sync_and_async_views(browse: Browse, store_app: StoreApp) -> None:
    browser = browse(store_app())
    assert json.loads(browser.get("/count/").body)["count"] == 1
    assert json.loads(browser.get("/acount/").body)["count"] == 2
    assert json.loads(browser.get("/count/").body)["count"] == 3
    assert len(browser.cookies["sessionid"]) == 43


def test_untouched_session_reads_and_writes_nothing(browse: Browse, store_app: StoreApp) -> None:
    browser = browse(store_app())
    browser.get("/count/")
    answer = browser.get("/untouched/")
    assert answer.set_cookies == {}
    assert "vary" not in answer.headers


def test_key_the_client_chose_is_never_used(browse: Browse, store_app: StoreApp) -> None:
    browser = browse(store_app())
    chosen = new_session_key()
    browser.cookies["sessionid"] = chosen
    assert json.loads(browser.get("/count/").body)["count"] == 1
    assert browser.cookies["sessionid"] != chosen


@pytest.mark.parametrize("url", ["/cycle/", "/cycle-sync/"])
def test_cycle_key_moves_the_data_to_a_new_key(
    browse: Browse, store_app: StoreApp, url: str
) -> None:
    browser = browse(store_app())
    browser.get("/count/")
    old = browser.cookies["sessionid"]
    keys = json.loads(browser.get(url).body)
    assert keys["before"] == old
    assert keys["after"] != old
    assert browser.cookies["sessionid"] == keys["after"]
    assert data_of(browser) == {"count": 1}
    browser.cookies["sessionid"] = old  # the old key is gone from the store
    assert data_of(browser) == {}


@pytest.mark.parametrize("url", ["/flush/", "/flush-sync/"])
def test_flush_deletes_the_data_from_the_store(
    browse: Browse, store_app: StoreApp, url: str
) -> None:
    browser = browse(store_app())
    browser.get("/count/")
    old = browser.cookies["sessionid"]
    assert "Max-Age=0" in browser.get(url).set_cookies["sessionid"]
    browser.cookies["sessionid"] = old
    assert data_of(browser) == {}


def test_garbage_cookie_gives_an_empty_session(browse: Browse, store_app: StoreApp) -> None:
    browser = browse(store_app())
    for value in ("x", "../../etc/passwd", "a" * 4000, "é", new_session_key()[:-1] + "!"):
        browser.cookies["sessionid"] = value
        assert data_of(browser) == {}


def test_sync_method_in_async_view_names_the_async_method(store_app: StoreApp) -> None:
    with Client(store_app()) as client, pytest.raises(SynchronousOnlyOperation, match="aset"):
        client.get("/sync-in-async/")


def test_expired_session_is_not_read(
    browse: Browse, store_app: StoreApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = browse(store_app())
    browser.get("/expire/1/")
    assert data_of(browser)["count"] == 1
    if store_app.kind == "redis":
        time.sleep(1.2)  # Redis expires the key itself
    else:
        later = time.time() + 2
        monkeypatch.setattr(database_store.time, "time", lambda: later)
    assert data_of(browser) == {}


def test_db_store_needs_a_database() -> None:
    app = session_app(session_store="db")
    with pytest.raises(ImproperlyConfigured, match="has none"), Client(app):
        pass


def test_redis_store_needs_a_url() -> None:
    app = session_app(session_store="redis")
    with pytest.raises(ImproperlyConfigured, match="session_redis_url"), Client(app):
        pass


def test_redis_store_uses_the_channel_layers_server(browse: Browse, redis_url: str) -> None:
    browser = browse(session_app(session_store="redis", channels=redis_url))
    browser.get("/count/")
    assert json.loads(browser.get("/count/").body)["count"] == 2


def test_db_table_is_created_at_startup_and_expired_rows_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    app = session_app(session_store="db", database=f"sqlite+aiosqlite:///{path}")
    with Client(app) as client:
        assert _rows(path) == 0  # the table exists before the first request
        client.get("/count/")
        client.cookies.clear()
        client.get("/expire/1/")
        assert _rows(path) == 2
    later = time.time() + 5
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database_store.time, "time", lambda: later)
        with Client(app):  # start-up deletes what expired while the app was down
            assert _rows(path) == 1


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM legato_sessions").fetchone()[0])


@pytest.mark.anyio
async def test_db_store_without_lifespan_events_creates_its_table_on_first_use(
    tmp_path: Path,
) -> None:
    app = session_app(session_store="db", database=f"sqlite+aiosqlite:///{tmp_path}/s.sqlite3")
    assert app.database is not None
    try:
        async with AsyncClient(app, lifespan=False) as client:
            await client.get("/count/")
            assert json.loads((await client.get("/count/")).content)["count"] == 2
    finally:
        await app.database.dispose()  # no lifespan: nobody else closes the engine


@pytest.fixture(scope="module")
def db_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    path = tmp_path_factory.mktemp("garbage") / "s.sqlite3"
    app = session_app(session_store="db", database=f"sqlite+aiosqlite:///{path}")
    with Client(app, raise_request_exception=False) as client:
        yield client


_header_text = st.characters(codec="latin-1", exclude_characters=";\r\n\x00")


@given(
    value=st.text(_header_text, max_size=200) | st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True)
)
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_cookie_value_gives_an_empty_db_session_never_an_error(
    db_client: Client, value: str
) -> None:
    db_client.cookies.clear()
    response = db_client.get("/peek/", headers={"Cookie": f"sessionid={value}"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert json.loads(response.content) == {"data": {}, "key": None}

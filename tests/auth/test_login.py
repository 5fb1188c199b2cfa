"""login(), logout() and the session across stores: fixation, throttling, the user's hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from legato import App
from legato.auth.decorators import redirect_to_login
from legato.auth.models import User
from legato.test import AsyncClient, Client
from tests.auth.site import site_app
from tests.channels.redis_server import running_redis

ADA = {"username": "ada", "password": "ada's password"}
USERS = [ADA]
WRONG = {"username": "ada", "password": "wrong"}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture(params=["signed_cookies", "db", "redis"])
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"session_store": "redis", "session_redis_url": request.getfixturevalue("redis_url")}
    return {"session_store": request.param}


def flush_redis(settings: dict[str, Any]) -> None:
    url = settings.get("session_redis_url")
    if url:
        import redis

        with redis.Redis.from_url(url) as client:
            client.flushdb()


@pytest.fixture
def app(store_settings: dict[str, Any]) -> Iterator[App]:
    flush_redis(store_settings)
    yield site_app(USERS, **store_settings)
    flush_redis(store_settings)


def session_cookie(client: Client) -> str | None:
    morsel = client.cookies.get("sessionid")
    return morsel.value if morsel is not None and morsel.value else None


def test_login_and_logout_work_on_every_store(app: App) -> None:
    with Client(app) as client:
        assert client.post("/accounts/login/", ADA).status_code == 302
        assert client.get("/whoami/").json()["authenticated"] is True
        assert client.get("/async/").status_code == 200
        assert client.get("/sync/").status_code == 200
        client.post("/accounts/logout/")
        assert client.get("/whoami/").json()["authenticated"] is False


def test_login_gives_the_session_a_new_key(app: App, store_settings: dict[str, Any]) -> None:
    with Client(app) as client:
        client.get("/remember/")  # an anonymous session, with a key
        planted_cookie = session_cookie(client)
        assert planted_cookie
        client.post("/accounts/login/", ADA)
        assert session_cookie(client) != planted_cookie
        # What the session held before the login is kept (the same visitor).
        assert client.get("/cart/").json() == {"cart": ["tea"]}
        if store_settings["session_store"] != "signed_cookies":
            # The key the visitor had (an attacker may have planted it) is worth nothing.
            client.cookies["sessionid"] = planted_cookie
            assert client.get("/whoami/").json()["authenticated"] is False
            assert client.get("/cart/").json() == {"cart": None}


def test_another_users_session_is_not_kept_at_login(app: App) -> None:
    with Client(app) as client:
        client.post(
            "/accounts/signup/",
            {"username": "eve", "password1": "eve's long pass", "password2": "eve's long pass"},
        )
        client.get("/remember/")
        assert client.post("/accounts/login/", ADA).status_code == 302
        assert client.get("/whoami/").json()["user"] == "ada"
        assert client.get("/cart/").json() == {"cart": None}  # eve's data is gone


def test_failed_logins_are_throttled_with_429(store_settings: dict[str, Any]) -> None:
    flush_redis(store_settings)
    app = site_app(USERS, login_failure_limit=3, **store_settings)
    with Client(app) as client:
        for _ in range(3):
            assert client.post("/accounts/login/", WRONG).status_code == 200
        refused = client.post("/accounts/login/", ADA)  # even the right password
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 900
        assert "Too many failed logins" in refused.text
        assert client.get("/whoami/").json()["authenticated"] is False
        # An app's own login view gets its 429 from the middleware.
        api = client.post("/api/login/", ADA, content_type="application/json")
        assert api.status_code == 429
        assert "Retry-After" in api.headers
        sync_api = client.post("/api/login/sync/", ADA)
        assert sync_api.status_code == 429
    flush_redis(store_settings)


def test_address_limit_counts_failures_across_usernames(store_settings: dict[str, Any]) -> None:
    flush_redis(store_settings)
    app = site_app(USERS, login_failure_address_limit=4, **store_settings)
    with Client(app) as client:
        for number in range(4):
            client.post("/accounts/login/", {"username": f"guess{number}", "password": "x"})
        assert client.post("/accounts/login/", ADA).status_code == 429
    flush_redis(store_settings)


def test_success_resets_the_username_count_only() -> None:
    app = site_app(USERS, login_failure_limit=3, login_failure_address_limit=5)
    with Client(app) as client:
        for _ in range(2):
            client.post("/accounts/login/", WRONG)
        assert client.post("/accounts/login/", ADA).status_code == 302
        for _ in range(2):  # 2 again, not 4: the username's count was cleared
            assert client.post("/accounts/login/", WRONG).status_code == 200
        # The address has 4 failures and 1 more reaches its limit of 5.
        client.post("/accounts/login/", {"username": "other", "password": "x"})
        assert client.post("/accounts/login/", ADA).status_code == 429


def test_api_login_sets_the_session() -> None:
    with Client(site_app(USERS)) as client:
        assert client.post("/api/login/", ADA, content_type="application/json").json() == {
            "ok": True
        }
        assert client.get("/whoami/").json()["user"] == "ada"
        assert client.post("/api/login/sync/", WRONG).status_code == 401
        assert client.post("/api/login/sync/", ADA).json() == {"ok": True}


@pytest.mark.anyio
async def test_inactive_user_loses_the_session() -> None:
    app = site_app(USERS)
    async with AsyncClient(app) as client:
        await client.post("/accounts/login/", ADA)
        assert (await client.get("/whoami/")).json()["authenticated"] is True
        assert app.database is not None
        async with app.database.session() as session:
            await session.execute(update(User).values(is_active=False))
        assert (await client.get("/whoami/")).json()["authenticated"] is False


def test_redirect_to_login_keeps_a_double_slash_path_local() -> None:
    response = redirect_to_login("//evil.example/x", login_url="/accounts/login/")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"next": ["/%2Fevil.example/x"]}

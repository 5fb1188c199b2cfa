"""AuthenticationMiddleware: backends of the app's choosing, WSGI, key rotation, rehash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from legato import App
from legato.auth import AuthenticationMiddleware, ModelBackend
from legato.auth.hashers import HashParameters, needs_rehash
from legato.auth.models import User
from legato.http import JsonResponse
from legato.middleware import DEFAULT_MIDDLEWARE
from legato.sessions import SessionMiddleware
from legato.test import AsyncClient, Client
from legato.urls import path
from tests.auth.site import site_app, urlpatterns
from tests.handlers.test_wsgi import call_wsgi

ADA = {"username": "ada", "password": "ada's password", "email": "ada@example.com"}


class EmailBackend(ModelBackend):
    """Log in with an email address instead of a username."""

    async def authenticate(  # type: ignore[override]
        self, request: Any, email: str | None = None, password: str | None = None
    ) -> Any:
        if email is None or password is None:
            return None
        from legato.auth.models import database_of

        async with database_of(None).session() as session:
            user = await session.scalar(select(User).where(User.email == email))
        if user is None or not await user.acheck_password(password):
            return None
        return user


async def email_login(request: Any) -> JsonResponse:
    from legato.auth import authenticate, login

    user = await authenticate(
        request, email=request.POST["email"], password=request.POST["password"]
    )
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    await login(request, user)
    return JsonResponse({"ok": True})


def test_configured_backends_are_asked_in_turn() -> None:
    middleware = [
        SessionMiddleware,
        AuthenticationMiddleware.configure(
            backends=["legato.auth.backends.ModelBackend", EmailBackend]
        ),
    ]
    app = site_app([ADA], middleware=middleware)
    app.urlpatterns = [*urlpatterns, path("email-login/", email_login)]
    with Client(app) as client:
        assert (
            client.post(
                "/email-login/", {"email": "ada@example.com", "password": "nope"}
            ).status_code
            == 401
        )
        answer = client.post(
            "/email-login/", {"email": "ada@example.com", "password": ADA["password"]}
        )
        assert answer.json() == {"ok": True}
        assert client.get("/whoami/").json()["user"] == "ada"
        # Username and password still work through the first backend.
        client.post("/accounts/logout/")
        assert client.post("/accounts/login/", ADA).status_code == 302


def test_session_of_a_backend_no_longer_configured_is_anonymous() -> None:
    app = site_app([ADA])
    with Client(app) as client:
        client.post("/accounts/login/", ADA)
        cookie = client.cookies["sessionid"].value
    other = site_app(
        [ADA],
        middleware=[SessionMiddleware, AuthenticationMiddleware.configure(backends=[EmailBackend])],
    )
    with Client(other) as client:
        client.cookies["sessionid"] = cookie
        assert client.get("/whoami/").json()["authenticated"] is False


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    handler = site_app(
        [ADA], middleware=[*DEFAULT_MIDDLEWARE, SessionMiddleware, AuthenticationMiddleware]
    ).as_wsgi()
    yield handler
    handler.close()


def test_sync_views_under_wsgi_load_the_user(wsgi_app: Any) -> None:
    body = b"username=ada&password=ada%27s+password"
    login = call_wsgi(
        wsgi_app,
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert login.status == 302
    cookie = login.header("Set-Cookie")
    assert cookie is not None
    headers = {"Cookie": cookie.split(";")[0]}
    assert call_wsgi(wsgi_app, "GET", "/whoami/sync/", headers=headers).text == '{"user":"ada"}'
    assert call_wsgi(wsgi_app, "GET", "/sync/", headers=headers).text == "sync hello ada"
    assert call_wsgi(wsgi_app, "GET", "/cbv/sync/", headers=headers).text == "cbv sync ada"
    assert call_wsgi(wsgi_app, "GET", "/async/", headers=headers).text == "async hello ada"
    assert call_wsgi(wsgi_app, "GET", "/sync/").status == 302


def test_sessions_survive_a_key_rotation(tmp_path: Path) -> None:
    # One database for the three apps: the same user, the same password hash.
    database = f"sqlite+aiosqlite:///{tmp_path / 'users.sqlite3'}"
    with Client(site_app([ADA], secret_key="old key", database=database)) as client:
        client.post("/accounts/login/", ADA)
        cookie = client.cookies["sessionid"].value
    rotated = site_app(
        [ADA], secret_key="new key", secret_key_fallbacks=["old key"], database=database
    )
    with Client(rotated) as client:
        client.cookies["sessionid"] = cookie
        assert client.get("/whoami/").json()["authenticated"] is True
    with Client(site_app([ADA], secret_key="new key", database=database)) as client:
        client.cookies["sessionid"] = cookie
        assert client.get("/whoami/").json()["authenticated"] is False


@pytest.mark.anyio
async def test_login_rehashes_a_password_made_with_other_parameters(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'users.sqlite3'}"
    async with AsyncClient(site_app([ADA], database=database)):
        pass  # the user is made with the cheap test parameters
    app = site_app([ADA], database=database, password_hash_time_cost=2)
    async with AsyncClient(app) as client:
        assert app.database is not None
        cheap = HashParameters(time_cost=1, memory_cost=8, parallelism=1)
        current = HashParameters.from_config(app.config)
        async with app.database.session() as session:
            before = await session.scalar(select(User.password))
        assert before is not None
        assert needs_rehash(before, current)  # made with the cheap test parameters
        assert not needs_rehash(before, cheap)
        assert (await client.post("/accounts/login/", ADA)).status_code == 302
        async with app.database.session() as session:
            after = await session.scalar(select(User.password))
        assert after is not None
        assert after != before
        assert not needs_rehash(after, current)
        # Still the same password, and the session made at login stays valid.
        assert (await client.get("/whoami/")).json()["authenticated"] is True


def test_site_app_is_an_app() -> None:
    assert isinstance(site_app(), App)

"""The test client's force_login, login and logout, on each session store."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from legato import App
from legato.auth.models import User
from legato.context import current_app
from legato.exceptions import ImproperlyConfigured
from legato.test import AsyncClient, Client
from tests.auth.site import site_app

USERS = [{"username": "ada", "password": "correct horse"}]


async def _user(app: App, username: str) -> Any:
    assert app.database is not None
    token = current_app.set(app)
    try:
        async with app.database.session() as session:
            return await session.scalar(select(User).where(User.username == username))
    finally:
        current_app.reset(token)


@pytest.mark.anyio
@pytest.mark.parametrize("store", ["signed_cookies", "db"])
async def test_force_login_logs_the_next_requests_in(store: str) -> None:
    app = site_app(USERS, session_store=store)
    async with AsyncClient(app) as client:
        assert (await client.get("/whoami/")).json()["authenticated"] is False
        await client.force_login(await _user(app, "ada"))
        assert (await client.get("/whoami/")).json()["user"] == "ada"
        assert (await client.get("/async/")).status_code == 200
        await client.logout()
        assert (await client.get("/async/")).status_code == 302
        assert (await client.get("/whoami/")).json()["authenticated"] is False


def test_login_checks_the_password_as_authenticate_does() -> None:
    with Client(site_app(USERS)) as client:
        assert client.login(username="ada", password="wrong") is False
        assert client.get("/sync/").status_code == 302
        assert client.login(username="ada", password="correct horse") is True
        response = client.get("/sync/")
        assert response.status_code == 200
        assert response.content == b"sync hello ada"
        client.logout()
        assert client.get("/sync/").status_code == 302


def test_login_keeps_what_the_session_held_before() -> None:
    with Client(site_app(USERS, session_store="db")) as client:
        client.get("/remember/")
        before = client.get("/cart/").json()["cart"]
        assert before == ["tea"]
        assert client.login(username="ada", password="correct horse") is True
        assert client.get("/cart/").json()["cart"] == before


def test_login_without_session_middleware_says_what_to_add() -> None:
    with (
        Client(site_app(USERS, middleware=[])) as client,
        pytest.raises(ImproperlyConfigured, match="SessionMiddleware"),
    ):
        client.login(username="ada", password="correct horse")

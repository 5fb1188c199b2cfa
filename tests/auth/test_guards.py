"""Decorators and mixins on sync views, async views and class-based views."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from legato.test import Client
from tests.auth.site import site_app, urlpatterns

USERS = [
    {"username": "ada", "password": "ada's password", "perms": ["shop.change_price"]},
    {"username": "bob", "password": "bob's password", "is_staff": True},
]
LOGIN_REQUIRED = ["/async/", "/sync/", "/cbv/async/", "/cbv/sync/"]


@pytest.fixture
def app() -> App:
    return site_app(USERS)


@pytest.fixture
def anonymous(app: App) -> Iterator[Client]:
    with Client(app) as client:
        yield client


def logged_in(app: App, username: str, *, lifespan: bool = False) -> Client:
    """A client logged in as `username`; the app must be started (by `anonymous`)."""
    client = Client(app, lifespan=lifespan)
    response = client.post(
        "/accounts/login/", {"username": username, "password": f"{username}'s password"}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def ada(app: App, anonymous: Client) -> Iterator[Client]:
    with logged_in(app, "ada") as client:
        yield client


@pytest.fixture
def bob(app: App, anonymous: Client) -> Iterator[Client]:
    with logged_in(app, "bob") as client:
        yield client


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_anonymous_is_sent_to_login_with_next(anonymous: Client, url: str) -> None:
    response = anonymous.get(url + "?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/login/?next={url}%3Fpage%3D2"


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_logged_in_user_gets_the_page(ada: Client, url: str) -> None:
    response = ada.get(url)
    assert response.status_code == 200
    assert response.text.endswith("ada")


def test_next_that_starts_with_two_slashes_stays_a_path(anonymous: Client) -> None:
    # A request for //async/ must not make next=//async/, a host to a browser.
    response = anonymous.get("/async/", headers={})
    assert "next=/async/" in response.headers["Location"]


def test_login_url_and_field_name_per_view(anonymous: Client) -> None:
    assert anonymous.get("/custom/").headers["Location"] == "/elsewhere/?back=/custom/"


def test_login_url_setting() -> None:
    with Client(site_app(login_url="/signin/")) as client:
        assert client.get("/async/").headers["Location"] == "/signin/?next=/async/"


def test_login_url_may_be_a_route_name() -> None:
    with Client(site_app(login_url="signup")) as client:
        assert client.get("/async/").headers["Location"] == "/accounts/signup/?next=/async/"


@pytest.mark.parametrize("url", ["/prices/async/", "/cbv/prices/async/", "/cbv/prices/sync/"])
def test_permission_required_lets_the_permitted_through(ada: Client, url: str) -> None:
    assert ada.get(url).status_code == 200


def test_permission_required_sends_others_to_login(bob: Client, anonymous: Client) -> None:
    assert bob.get("/prices/async/").status_code == 302
    assert anonymous.get("/prices/async/").status_code == 302


def test_permission_required_with_raise_exception_is_403(ada: Client, bob: Client) -> None:
    assert ada.get("/prices/sync/").status_code == 200
    assert bob.get("/prices/sync/").status_code == 403


@pytest.mark.parametrize("url", ["/cbv/prices/async/", "/cbv/prices/sync/"])
def test_permission_mixin_is_403_for_a_logged_in_user(
    bob: Client, anonymous: Client, url: str
) -> None:
    assert bob.get(url).status_code == 403
    assert anonymous.get(url).status_code == 302


def test_user_passes_test_with_async_and_sync_tests(ada: Client, bob: Client) -> None:
    assert bob.get("/staff/").status_code == 200  # an async test on a sync view
    assert ada.get("/staff/").status_code == 302
    assert ada.get("/a/").status_code == 200  # a sync test on an async view
    assert bob.get("/a/").status_code == 302


def test_user_passes_test_mixin(ada: Client, bob: Client, anonymous: Client) -> None:
    assert bob.get("/cbv/staff/").status_code == 200
    assert ada.get("/cbv/staff/").status_code == 403
    assert anonymous.get("/cbv/staff/").status_code == 403  # raise_exception


def test_request_user_on_the_loop_names_auser(ada: Client) -> None:
    with pytest.raises(SynchronousOnlyOperation, match=r"await request\.auser\(\)"):
        ada.get("/mistake/")


def test_guard_without_the_middleware_says_what_to_add() -> None:
    refused = pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware")
    with Client(site_app(middleware=[])) as client, refused:
        client.get("/async/")


def test_middleware_without_sessions_fails_at_start_up() -> None:
    from legato.auth import AuthenticationMiddleware

    app = site_app(middleware=[AuthenticationMiddleware])
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware before it"):  # noqa: SIM117
        with Client(app):
            pass


def test_templates_see_the_user(tmp_path: object) -> None:
    from pathlib import Path

    from legato.shortcuts import render
    from legato.urls import path

    directory = Path(str(tmp_path))
    (directory / "me.html").write_text("{{ user.username }}|{{ request.user.username }}")

    async def me(request: object) -> object:
        return render(request, "me.html")

    app = site_app(USERS, templates=[directory])
    app.urlpatterns = [*urlpatterns, path("me/", me)]
    with logged_in(app, "ada", lifespan=True) as client:
        assert client.get("/me/").text == "ada|ada"
    with Client(app) as client:
        assert client.get("/me/").text == "|"


def test_error_page_template_awaits_auser(tmp_path: object) -> None:
    from pathlib import Path

    from legato.shortcuts import render

    directory = Path(str(tmp_path))
    (directory / "404.html").write_text("not found [{{ request.auser().username }}]")

    def handler404(request: object, exception: object = None) -> object:
        return render(request, "404.html", status=404)

    app = site_app(USERS, templates=[directory], handler404=handler404)
    with logged_in(app, "ada", lifespan=True) as client:
        assert client.get("/nowhere/").text == "not found [ada]"


def test_debug_without_a_secret_key_logs_in_with_the_generated_key() -> None:
    # The key made for the run signs the sessions and the password digest alike.
    app = site_app([{"username": "ada", "password": "ada's password"}], secret_key=None, debug=True)
    with Client(app) as client:
        assert client.login(username="ada", password="ada's password")
        assert client.get("/whoami/").json()["user"] == "ada"
    assert app.secret_keys is not None

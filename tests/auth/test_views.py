"""The auth views through the test client: log in, log out, sign up, change a password."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from legato import App
from legato.test import Client
from tests.auth.site import site_app

ADA = {"username": "ada", "password": "correct horse battery"}
USERS = [
    {**ADA, "email": "ada@example.com"},
    {"username": "bob", "password": "bob's password", "is_active": False},
]
EVIL_NEXTS = ["//evil.example", "https://evil.example", "/\\evil.example", "\\/evil.example"]


@pytest.fixture
def app() -> App:
    return site_app(USERS)


@pytest.fixture
def client(app: App) -> Iterator[Client]:
    with Client(app) as client:
        yield client


def log_in(client: Client, **extra: str) -> object:
    return client.post("/accounts/login/", {**ADA, **extra})


def test_login_page_is_a_usable_form(client: Client) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert '<form method="post" action="/accounts/login/">' in page.text
    assert 'name="username"' in page.text
    assert 'type="password" name="password"' in page.text


def test_login_redirects_and_the_session_names_the_user(client: Client) -> None:
    response = client.post("/accounts/login/", ADA)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/whoami/").json() == {"user": "ada", "authenticated": True}
    assert client.get("/whoami/sync/").json() == {"user": "ada"}


def test_login_sets_last_login(app: App, client: Client) -> None:
    log_in(client)
    assert client.get("/whoami/").json()["authenticated"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "ada", "password": "wrong"},
        {"username": "nobody", "password": "correct horse battery"},
        {"username": "bob", "password": "bob's password"},  # inactive
        {"username": "ada\x00", "password": "x"},
        {"username": "a" * 10_000, "password": "x"},
    ],
    ids=["wrong password", "unknown user", "inactive user", "NUL", "long name"],
)
def test_failed_login_shows_the_form_again(client: Client, credentials: dict[str, str]) -> None:
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert client.get("/whoami/").json()["authenticated"] is False


@pytest.mark.parametrize(
    "body", [b"username=%ED%A0%80&password=%FF%FE", b"username=\xff\xfe&password=\xed\xa0\x80"]
)
def test_undecodable_credentials_are_a_failed_login_or_a_400(client: Client, body: bytes) -> None:
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)


def test_missing_fields_are_named(client: Client) -> None:
    response = client.post("/accounts/login/", {"username": "ada"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert client.post("/accounts/login/", {}).status_code == 200


def test_password_field_is_never_sent_back(client: Client) -> None:
    response = client.post("/accounts/login/", {"username": "ada", "password": "s3cr3t-guess"})
    assert "s3cr3t-guess" not in response.text
    assert 'value="ada"' in response.text


def test_unicode_username_is_normalised_at_login(client: Client) -> None:
    full_width = "\uff41\uff44\uff41"  # "ada" in full-width letters
    response = client.post("/accounts/login/", {**ADA, "username": full_width})
    assert response.status_code == 302


def test_ten_megabyte_password_is_413_by_default(client: Client) -> None:
    data = {"username": "ada", "password": "x" * 10_000_000}
    form = "application/x-www-form-urlencoded"
    response = client.post("/accounts/login/", data, content_type=form)
    assert response.status_code == 413


def test_ten_megabyte_password_within_raised_limits_is_a_failed_login() -> None:
    app = site_app(USERS, data_upload_max_memory_size=None, max_upload_size=None)
    with Client(app) as client:
        response = client.post(
            "/accounts/login/",
            {"username": "ada", "password": "x" * 10_000_000},
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_garbage_session_cookie_is_an_anonymous_user(client: Client) -> None:
    client.cookies["sessionid"] = "garbage.\x7f!not-signed"
    assert client.get("/whoami/").json() == {"user": "", "authenticated": False}
    assert client.get("/async/").status_code == 302
    assert log_in(client).status_code == 302


# Redirects: next is only ever a path on this site


def test_next_from_the_query_string_is_followed(client: Client) -> None:
    response = client.post("/accounts/login/?next=/cbv/async/%3Fa%3D1", ADA)
    assert response.headers["Location"] == "/cbv/async/?a=1"


def test_next_in_the_form_is_followed(client: Client) -> None:
    page = client.get("/accounts/login/?next=/sync/")
    assert '<input type="hidden" name="next" value="/sync/">' in page.text
    assert log_in(client, next="/sync/").headers["Location"] == "/sync/"


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_next_to_another_site_is_ignored_in_the_form(client: Client, evil: str) -> None:
    response = log_in(client, next=evil)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_next_to_another_site_is_ignored_in_the_query(client: Client, evil: str) -> None:
    page = client.get(f"/accounts/login/?next={quote(evil)}")
    assert "evil.example" not in page.text
    response = client.post(f"/accounts/login/?next={quote(evil)}", ADA)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_next_to_another_site_is_ignored_after_logout(client: Client, evil: str) -> None:
    log_in(client)
    response = client.post("/accounts/logout/", {"next": evil})
    assert response.status_code == 200  # the logged-out page, not a redirect
    assert "Logged out" in response.text


def test_login_redirect_url_setting_is_the_default_target() -> None:
    with Client(site_app(USERS, login_redirect_url="/whoami/")) as client:
        assert log_in(client).headers["Location"] == "/whoami/"


# Log out


def test_logout_refuses_get(client: Client) -> None:
    log_in(client)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/whoami/").json()["authenticated"] is True


def test_logout_ends_the_session(client: Client) -> None:
    log_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 200
    assert client.get("/whoami/").json()["authenticated"] is False


def test_logout_redirect_url_setting_and_next() -> None:
    with Client(site_app(USERS, logout_redirect_url="/bye/")) as client:
        log_in(client)
        assert client.post("/accounts/logout/").headers["Location"] == "/bye/"
        log_in(client)
        assert client.post("/accounts/logout/?next=/a/").headers["Location"] == "/a/"


# Sign up


def signup(client: Client, **fields: str) -> object:
    data = {"username": "cy", "password1": "a long pass phrase", "password2": "a long pass phrase"}
    return client.post("/accounts/signup/", {**data, **fields})


def test_signup_creates_the_user_and_logs_them_in(client: Client) -> None:
    assert client.get("/accounts/signup/").status_code == 200
    response = signup(client, email="cy@EXAMPLE.org")
    assert response.status_code == 302
    assert client.get("/whoami/").json() == {"user": "cy", "authenticated": True}
    client.post("/accounts/logout/")
    again = {"username": "cy", "password": "a long pass phrase"}
    assert client.post("/accounts/login/", again).status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ada"}, "A user with that username already exists."),
        ({"username": "\uff41\uff44\uff41"}, "A user with that username already exists."),
        ({"username": "has space"}, "Enter a valid username"),
        ({"username": "x" * 151}, "Enter a valid username"),
        ({"password2": "another one"}, "didn&#39;t match"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password1": "1234567890", "password2": "1234567890"}, "entirely numeric"),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"username": ""}, "This field is required."),
    ],
)
def test_signup_errors_are_shown(client: Client, fields: dict[str, str], message: str) -> None:
    response = signup(client, **fields)
    assert response.status_code == 200
    assert message in response.text
    assert client.get("/whoami/").json()["authenticated"] is False


def test_signup_keeps_a_safe_next(client: Client) -> None:
    assert signup(client, next="/sync/").headers["Location"] == "/sync/"
    client.post("/accounts/logout/")
    assert signup(client, username="dee", next="//evil.example").headers["Location"] == "/"


# Password change


def change(client: Client, old: str, new: str, again: str | None = None) -> object:
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post("/accounts/password_change/", data)


def test_password_change_needs_a_login(client: Client) -> None:
    response = client.get("/accounts/password_change/")
    assert response.headers["Location"] == "/accounts/login/?next=/accounts/password_change/"


def test_password_change_keeps_this_session_and_ends_the_others(app: App) -> None:
    with Client(app) as here, Client(app, lifespan=False) as elsewhere:
        log_in(here)
        log_in(elsewhere)
        assert here.get("/accounts/password_change/").status_code == 200
        response = change(here, ADA["password"], "a brand new phrase")
        assert response.headers["Location"] == "/accounts/password_change/done/"
        assert "Password changed" in here.get("/accounts/password_change/done/").text
        assert here.get("/whoami/").json()["authenticated"] is True
        assert elsewhere.get("/whoami/").json()["authenticated"] is False
        here.post("/accounts/logout/")
        assert log_in(here).status_code == 200  # the old password is refused
        new = {"username": "ada", "password": "a brand new phrase"}
        assert here.post("/accounts/login/", new).status_code == 302


def test_password_change_errors(client: Client) -> None:
    log_in(client)
    assert "entered incorrectly" in change(client, "wrong", "a brand new phrase").text
    assert "didn&#39;t match" in change(client, ADA["password"], "a brand new phrase", "x").text
    assert "too short" in change(client, ADA["password"], "short").text


# CSRF: the login form is protected by the default middleware (Origin-based, no token)


def test_cross_site_login_post_is_refused(client: Client) -> None:
    response = client.post("/accounts/login/", ADA, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    response = client.post("/accounts/login/", ADA, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert client.get("/whoami/").json()["authenticated"] is False


def test_same_origin_login_post_is_accepted(client: Client) -> None:
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/accounts/login/", ADA, headers=headers).status_code == 302


def test_signup_welcome_shows_on_the_next_auth_page() -> None:
    from legato.messages import MessageMiddleware
    from tests.auth.site import MIDDLEWARE

    app = site_app(USERS, middleware=[*MIDDLEWARE, MessageMiddleware])
    with Client(app) as client:
        assert signup(client).status_code == 302
        assert "Welcome, cy!" in client.get("/accounts/password_change/").text
        assert "Welcome, cy!" not in client.get("/accounts/password_change/").text

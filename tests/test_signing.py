"""Tests for signed cookies: set on a response, read on a request, with the app's keys."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.http.response_headers import BadHeaderError
from legato.signing import (
    BadSignature,
    SecretKeys,
    SignatureExpired,
    current_keys,
    sign_cookie,
    unsign_cookie,
)
from legato.test import Client
from legato.urls import path
from tests.handlers.test_wsgi import call_wsgi
from tests.parity import ServeBoth

KEYS = SecretKeys("a-secret-key-for-tests")
OLD_KEYS = SecretKeys("the-key-before-rotation")
NOW = 1_800_000_000.0


@pytest.fixture
def keys() -> Iterator[SecretKeys]:
    """Sign outside a request with KEYS, as a handler does for an app that has them."""
    token = current_keys.set(KEYS)
    yield KEYS
    current_keys.reset(token)


def use(keys: SecretKeys | None) -> None:
    current_keys.set(keys)  # inside a test that already holds the `keys` fixture's token


def at(monkeypatch: pytest.MonkeyPatch, moment: float) -> None:
    monkeypatch.setattr(time, "time", lambda: moment)


def request_with(cookie: str) -> HttpRequest:
    request = HttpRequest()
    request.COOKIES = {"name": cookie}
    return request


def scope_with_cookie(cookie: str) -> dict[str, object]:
    """A request's scope as a server sends it: the Cookie header a browser sends back."""
    headers = [(b"host", b"example.com"), (b"cookie", cookie.encode("latin-1"))]
    return {"type": "http", "method": "GET", "path": "/", "headers": headers}


def signed_by(response: HttpResponse, key: str) -> str:
    return response.cookies[key].value


# ---------------------------------------------------------------- round trip


def test_signed_cookie_round_trips(keys: SecretKeys) -> None:
    response = HttpResponse()
    response.set_signed_cookie("name", "Ada", salt="greeting", max_age=60, httponly=True)
    morsel = response.cookies["name"]
    assert morsel.value.startswith("Ada.")
    assert morsel["max-age"] == 60
    assert morsel["httponly"] is True
    assert request_with(morsel.value).get_signed_cookie("name", salt="greeting") == "Ada"


def test_signed_cookie_missing_raises_key_error_or_gives_default(keys: SecretKeys) -> None:
    request = HttpRequest()
    with pytest.raises(KeyError):
        request.get_signed_cookie("name")
    assert request.get_signed_cookie("name", default=None) is None
    assert request.get_signed_cookie("name", "fallback") == "fallback"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "tamper",
    [
        lambda signed: signed.replace("Ada", "Bob", 1),
        # Not the last character: in base64 its low bits may be padding, unused.
        lambda signed: signed[:-10] + ("A" if signed[-10] != "A" else "B") + signed[-9:],
        lambda signed: signed.rsplit(".", 1)[0],  # signature cut off
        lambda signed: "Ada",
        lambda signed: "",
    ],
)
def test_signed_cookie_tampered_is_refused(keys: SecretKeys, tamper: Callable[[str], str]) -> None:
    response = HttpResponse()
    response.set_signed_cookie("name", "Ada")
    request = request_with(tamper(signed_by(response, "name")))
    with pytest.raises(BadSignature):
        request.get_signed_cookie("name")
    assert request.get_signed_cookie("name", default=None) is None


def test_signed_cookie_with_another_salt_is_refused(keys: SecretKeys) -> None:
    request = request_with(sign_cookie("name", "Ada", salt="one"))
    with pytest.raises(BadSignature):
        request.get_signed_cookie("name", salt="two")
    with pytest.raises(BadSignature):
        request.get_signed_cookie("name")
    assert request.get_signed_cookie("name", salt="one") == "Ada"


def test_signed_cookie_for_another_name_is_refused(keys: SecretKeys) -> None:
    # A value signed for cookie "ab" with salt "c" is not one for "a" with salt "bc".
    signed = sign_cookie("ab", "admin", salt="c")
    assert unsign_cookie({"a": signed}, "a", None, salt="bc") is None
    assert unsign_cookie({"other": signed}, "other", None, salt="c") is None
    assert unsign_cookie({"ab": signed}, "ab", None, salt="c") == "admin"


def test_signed_cookie_with_another_key_is_refused(keys: SecretKeys) -> None:
    signed = sign_cookie("name", "Ada")
    use(OLD_KEYS)
    with pytest.raises(BadSignature):
        request_with(signed).get_signed_cookie("name")


# ---------------------------------------------------------------- max_age


def test_signed_cookie_older_than_max_age_is_expired(
    keys: SecretKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, NOW)
    request = request_with(sign_cookie("name", "Ada"))
    at(monkeypatch, NOW + 10)
    assert request.get_signed_cookie("name", max_age=10) == "Ada"
    assert request.get_signed_cookie("name", max_age=datetime.timedelta(seconds=10)) == "Ada"
    at(monkeypatch, NOW + 11)
    with pytest.raises(SignatureExpired):
        request.get_signed_cookie("name", max_age=10)
    with pytest.raises(SignatureExpired):
        request.get_signed_cookie("name", max_age=datetime.timedelta(seconds=10))
    assert request.get_signed_cookie("name", default="old", max_age=10) == "old"
    assert request.get_signed_cookie("name") == "Ada"  # no max_age: any age


def test_signed_cookie_expired_is_a_bad_signature(
    keys: SecretKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, NOW)
    request = request_with(sign_cookie("name", "Ada"))
    at(monkeypatch, NOW + 100)
    with pytest.raises(BadSignature):  # what Django's callers catch
        request.get_signed_cookie("name", max_age=1)


def test_signed_cookie_from_a_clock_ahead_is_not_expired(
    keys: SecretKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another worker whose clock runs ahead signed it: Django accepts it, so does Legato.
    at(monkeypatch, NOW + 5)
    request = request_with(sign_cookie("name", "Ada"))
    at(monkeypatch, NOW)
    assert request.get_signed_cookie("name", max_age=60) == "Ada"


# ---------------------------------------------------------------- key rotation


def test_signed_cookie_from_a_fallback_key_is_accepted() -> None:
    token = current_keys.set(OLD_KEYS)
    try:
        signed = sign_cookie("name", "Ada")
        use(SecretKeys(KEYS.secret_key, fallbacks=(OLD_KEYS.secret_key,)))
        assert request_with(signed).get_signed_cookie("name") == "Ada"
        fresh = sign_cookie("name", "Ada")  # signed with the current key
        use(KEYS)
        assert request_with(fresh).get_signed_cookie("name") == "Ada"
        with pytest.raises(BadSignature):  # fallback dropped: the old value goes
            request_with(signed).get_signed_cookie("name")
    finally:
        current_keys.reset(token)


# ---------------------------------------------------------------- no key


def test_signed_cookies_without_a_key_say_how_to_set_one() -> None:
    assert current_keys.get() is None
    with pytest.raises(ImproperlyConfigured, match=r"App\(secret_key=\.\.\.\).*LEGATO_SECRET_KEY"):
        HttpResponse().set_signed_cookie("name", "Ada")
    with pytest.raises(ImproperlyConfigured, match="LEGATO_SECRET_KEY"):
        HttpRequest().get_signed_cookie("name", default=None)


@pytest.mark.parametrize("bad", ["", b"bytes-key", 42])
def test_secret_keys_must_be_non_empty_strings(bad: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="non-empty strings"):
        SecretKeys(bad)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="non-empty strings"):
        SecretKeys("key", fallbacks=(bad,))  # type: ignore[arg-type]


# ---------------------------------------------------------------- hostile values


@given(st.text(max_size=40))
def test_signed_cookie_any_value_round_trips_or_is_refused_when_set(value: str) -> None:
    token = current_keys.set(KEYS)
    try:
        response = HttpResponse()
        try:
            response.set_signed_cookie("name", value)
        except BadHeaderError:
            # What set_cookie refuses: text beyond latin-1 can't go in a header.
            assert any(ord(char) > 0xFF for char in value)
            assert "name" not in response.cookies
            return
        # What a browser sends back: the name=value part of the Set-Cookie line.
        header, line = response.wsgi_headers()[-1]
        assert header == "Set-Cookie"
        sent_back = line.split(";", 1)[0]
        request = HttpRequest(scope_with_cookie(sent_back))
        assert request.get_signed_cookie("name") == value
    finally:
        current_keys.reset(token)


@given(st.text(max_size=200))
def test_signed_cookie_any_received_text_is_refused_cleanly(text: str) -> None:
    token = current_keys.set(KEYS)
    try:
        assert unsign_cookie({"name": text}, "name", default=None, max_age=60) is None
        with pytest.raises(BadSignature):
            unsign_cookie({"name": text}, "name")
    finally:
        current_keys.reset(token)


# ---------------------------------------------------------------- through the app


async def remember(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("set")
    response.set_signed_cookie("name", request.GET["name"], salt="visitor")
    return response


def greet(request: HttpRequest) -> HttpResponse:  # sync: runs in the thread pool
    return HttpResponse(request.get_signed_cookie("name", "stranger", salt="visitor"))


async def agreet(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.get_signed_cookie("name", "stranger", salt="visitor"))


ROUTES = [path("set/", remember), path("greet/", greet), path("agreet/", agreet)]


def keyed_app() -> App:
    return App(ROUTES, secret_key=KEYS.secret_key)


def test_app_signs_and_reads_cookies_with_its_key() -> None:
    with Client(keyed_app()) as client:
        assert client.get("/greet/").content == b"stranger"
        client.get("/set/", {"name": "Ada; Path=/admin"})
        assert client.get("/greet/").content == b"Ada; Path=/admin"
        assert client.get("/agreet/").content == b"Ada; Path=/admin"
        client.cookies["name"] = "Eve"
        assert client.get("/greet/").content == b"stranger"


def test_app_reads_signed_cookies_the_same_under_asgi_and_wsgi(both: ServeBoth) -> None:
    pair = both(keyed_app)
    token = current_keys.set(KEYS)
    try:
        signed = sign_cookie("name", "Ada", salt="visitor")
        forged = sign_cookie("name", "Ada", salt="other")
    finally:
        current_keys.reset(token)
    for url in ("/greet/", "/agreet/"):
        assert pair.get(url, headers={"Cookie": f"name={signed}"}).text == "Ada"
        assert pair.get(url, headers={"Cookie": f"name={forged}"}).text == "stranger"


def test_app_signs_cookies_under_wsgi() -> None:
    handler = keyed_app().as_wsgi()
    try:
        result = call_wsgi(handler, "GET", "/set/?name=Ada")
    finally:
        handler.close()
    jar: SimpleCookie = SimpleCookie()
    for name, value in result.headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    token = current_keys.set(KEYS)
    try:
        assert unsign_cookie({"name": jar["name"].value}, "name", salt="visitor") == "Ada"
    finally:
        current_keys.reset(token)


def test_app_without_a_key_answers_500_for_signed_cookies() -> None:
    with Client(App(ROUTES), raise_request_exception=False) as client:
        assert client.get("/greet/").status_code == 500


def test_secret_keys_are_kept_out_of_their_repr() -> None:
    assert "s3cret" not in repr(SecretKeys("s3cret", ("old-s3cret",)))

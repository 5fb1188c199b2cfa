"""The signed-cookie store: bad cookies give an empty session, keys rotate, size is bounded."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legato import App
from legato.sessions import SessionTooLarge, SignedCookieStore
from legato.sessions.stores import signed_cookies
from legato.signing import SecretKeys
from legato.test import Client
from tests.sessions.apps import SECRET, session_app
from tests.sessions.browser import Browser

Browse = Callable[[App], Browser]
OLD_KEY = "an-older-secret-key-still-accepted-for-a-while"


def logged_in(browser: Browser) -> str:
    browser.get("/count/")
    return browser.cookies["sessionid"]


def test_tampered_cookie_gives_an_empty_session_logged_at_debug(
    browse: Browse, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "legato.security.sessions")
    browser = browse(session_app())
    value = logged_in(browser)
    payload, timestamp, signature = value.split(".")
    browser.cookies["sessionid"] = f"{payload[:-2]}AA.{timestamp}.{signature}"
    answer = browser.get("/peek/")
    assert answer.status == 200
    assert json.loads(answer.body)["data"] == {}
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def test_cookie_signed_with_another_key_gives_an_empty_session(browse: Browse) -> None:
    value = logged_in(browse(session_app(secret_key=OLD_KEY)))
    browser = browse(session_app())
    browser.cookies["sessionid"] = value
    assert json.loads(browser.get("/peek/").body)["data"] == {}


def test_expired_cookie_gives_an_empty_session(
    browse: Browse, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = browse(session_app())
    browser.get("/expire/60/")
    assert json.loads(browser.get("/peek/").body)["data"] != {}
    later = signed_cookies.time.time() + 61
    monkeypatch.setattr(signed_cookies.time, "time", lambda: later)
    assert json.loads(browser.get("/peek/").body)["data"] == {}


def test_oversized_session_is_not_saved_and_logged(
    browse: Browse, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "legato.sessions")
    browser = browse(session_app())
    before = logged_in(browser)
    answer = browser.get("/big/8000/")
    assert answer.status == 200
    assert answer.set_cookies == {}
    assert browser.cookies["sessionid"] == before
    assert any("4096 bytes" in r.getMessage() for r in caplog.records)


def test_session_just_under_the_limit_is_saved(browse: Browse) -> None:
    # 2,500 random hex digits, compressed and signed, fit in 4 KB.
    browser = browse(session_app())
    answer = browser.get("/big/2500/")
    assert "sessionid" in answer.set_cookies
    assert len(answer.set_cookies["sessionid"].split(";")[0]) <= 4096


def test_oversized_incoming_cookie_is_not_read(browse: Browse) -> None:
    browser = browse(session_app())
    browser.cookies["sessionid"] = "x" * 5000
    assert json.loads(browser.get("/peek/").body)["data"] == {}


def test_cookie_signed_with_a_fallback_key_is_read_and_resigned_with_the_current_key(
    browse: Browse,
) -> None:
    old = logged_in(browse(session_app(secret_key=OLD_KEY)))
    rotated = browse(session_app(secret_key=SECRET, secret_key_fallbacks=[OLD_KEY]))
    rotated.cookies["sessionid"] = old
    assert json.loads(rotated.get("/count/").body)["count"] == 2
    resigned = rotated.cookies["sessionid"]
    # Only the current key is needed to read what was saved after the rotation.
    current_only = browse(session_app(secret_key=SECRET))
    current_only.cookies["sessionid"] = resigned
    assert json.loads(current_only.get("/peek/").body)["data"] == {"count": 2}
    current_only.cookies["sessionid"] = old
    assert json.loads(current_only.get("/peek/").body)["data"] == {}


@pytest.mark.anyio
async def test_store_refuses_to_sign_more_than_a_browser_keeps() -> None:
    store = SignedCookieStore(SecretKeys(SECRET), "sessionid")
    with pytest.raises(SessionTooLarge, match="4096"):
        await store.save(None, {"x": secrets.token_hex(4000)}, 60)


@pytest.mark.anyio
async def test_store_round_trips_json_values() -> None:
    store = SignedCookieStore(SecretKeys(SECRET), "sessionid")
    data = {"n": 1, "s": "é", "l": [1, 2], "d": {"a": None}, "b": True}
    assert await store.load(await store.save(None, data, 60)) == data


@pytest.mark.anyio
async def test_store_refuses_a_cookie_signed_for_another_cookie_name() -> None:
    value = await SignedCookieStore(SecretKeys(SECRET), "other").save(None, {"a": 1}, 60)
    assert await SignedCookieStore(SecretKeys(SECRET), "sessionid").load(value) is None


@pytest.fixture(scope="module")
def garbage_client() -> Client:
    client = Client(session_app(), raise_request_exception=False)
    yield client  # type: ignore[misc]
    client.close()


_header_text = st.characters(codec="latin-1", exclude_characters=";\r\n\x00")
cookie_text = st.text(_header_text, max_size=6000) | st.builds(
    "{}.{}.{}".format,
    st.text(_header_text, max_size=60),
    st.text(_header_text, max_size=8),
    st.text(_header_text, max_size=50),
)


@given(value=cookie_text)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_cookie_value_gives_an_empty_session_never_an_error(
    garbage_client: Client, value: str
) -> None:
    garbage_client.cookies.clear()
    response = garbage_client.get("/peek/", headers={"Cookie": f"sessionid={value}"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert json.loads(response.content)["data"] == {}

"""SessionMiddleware with the default store (signed cookies), through ASGI and WSGI."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.test import Client
from tests.parity import ServeBoth
from tests.sessions.apps import SECRET, session_app
from tests.sessions.browser import Browser

Browse = Callable[[App], Browser]


def test_session_counts_across_requests_in_sync_and_async_views(browse: Browse) -> None:
    browser = browse(session_app())
    assert json.loads(browser.get("/count/").body)["count"] == 1
    assert json.loads(browser.get("/acount/").body)["count"] == 2
    assert json.loads(browser.get("/count/").body)["count"] == 3


def test_untouched_session_sets_no_cookie_and_no_vary(browse: Browse) -> None:
    browser = browse(session_app())
    browser.get("/count/")
    answer = browser.get("/untouched/")
    assert answer.set_cookies == {}
    assert "vary" not in answer.headers


def test_read_session_adds_vary_cookie_without_saving(browse: Browse) -> None:
    browser = browse(session_app())
    browser.get("/count/")
    answer = browser.get("/peek/")
    assert answer.headers["vary"] == "Cookie"
    assert answer.set_cookies == {}
    assert json.loads(answer.body)["data"] == {"count": 1}


def test_cookie_defaults_are_httponly_lax_path_and_two_weeks(browse: Browse) -> None:
    line = browse(session_app()).get("/count/").set_cookies["sessionid"]
    attributes = {part.strip().split("=")[0].lower() for part in line.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age", "expires"} <= attributes
    assert "SameSite=Lax" in line
    assert "Max-Age=1209600" in line
    assert "Path=/" in line
    assert "Secure" not in line


def test_cookie_is_secure_when_request_is_secure(browse: Browse) -> None:
    line = browse(session_app()).request("GET", "/count/", secure=True).set_cookies["sessionid"]
    assert "Secure" in line


def test_cookie_settings_come_from_the_app(browse: Browse) -> None:
    app = session_app(
        session_cookie_name="sid",
        session_cookie_age=60,
        session_cookie_domain="testserver",
        session_cookie_path="/count/",
        session_cookie_secure=True,
        session_cookie_httponly=False,
        session_cookie_samesite="Strict",
    )
    line = browse(app).get("/count/").set_cookies["sid"]
    assert "Max-Age=60" in line
    assert "Domain=testserver" in line
    assert "Path=/count/" in line
    assert "Secure" in line
    assert "SameSite=Strict" in line
    assert "HttpOnly" not in line


def test_expire_at_browser_close_sets_a_session_cookie(browse: Browse) -> None:
    line = browse(session_app(session_expire_at_browser_close=True)).get("/count/").set_cookies
    assert "Max-Age" not in line["sessionid"]
    assert "expires" not in line["sessionid"]


def test_set_expiry_sets_max_age_or_browser_close(browse: Browse) -> None:
    browser = browse(session_app())
    assert "Max-Age=60;" in browser.get("/expire/60/").set_cookies["sessionid"] + ";"
    assert "Max-Age" not in browser.get("/expire/0/").set_cookies["sessionid"]


def test_save_every_request_saves_a_session_only_read(browse: Browse) -> None:
    browser = browse(session_app(session_save_every_request=True))
    browser.get("/count/")
    assert "sessionid" in browser.get("/peek/").set_cookies
    assert "sessionid" in browser.get("/untouched/").set_cookies


def test_flush_deletes_the_cookie_and_the_data(browse: Browse) -> None:
    browser = browse(session_app())
    browser.get("/count/")
    for url in ("/flush/", "/flush-sync/"):
        browser.get("/count/")
        line = browser.get(url).set_cookies["sessionid"]
        assert "Max-Age=0" in line
        assert browser.cookies == {}
        assert json.loads(browser.get("/peek/").body)["data"] == {}


def test_flush_without_cookie_sets_none(browse: Browse) -> None:
    answer = browse(session_app()).get("/flush/")
    assert answer.set_cookies == {}
    assert answer.headers["vary"] == "Cookie"


@pytest.mark.parametrize("url", ["/cycle/", "/cycle-sync/"])
def test_cycle_key_gives_a_new_cookie_keeping_the_data(browse: Browse, url: str) -> None:
    browser = browse(session_app())
    browser.get("/count/")
    old = browser.cookies["sessionid"]
    keys = json.loads(browser.get(url).body)
    assert keys["before"] == old
    assert keys["after"] != old
    assert browser.cookies["sessionid"] != old  # signed again after the view, so not "after"
    assert json.loads(browser.get("/peek/").body)["data"] == {"count": 1}


def test_server_error_does_not_save(browse: Browse) -> None:
    browser = browse(session_app())
    browser.get("/count/")
    answer = browser.get("/fails/")
    assert answer.status == 500
    assert answer.set_cookies == {}
    assert json.loads(browser.get("/peek/").body)["data"] == {"count": 1}


def test_sync_methods_work_in_async_views_with_signed_cookies(browse: Browse) -> None:
    browser = browse(session_app())
    assert browser.get("/sync-in-async/").status == 200
    assert json.loads(browser.get("/peek-sync/").body)["data"] == {"count": 1}


def test_missing_secret_key_is_a_startup_error() -> None:
    app = session_app(secret_key=None)
    with pytest.raises(ImproperlyConfigured, match="secret key"), Client(app) as client:
        client.get("/untouched/")


def test_missing_secret_key_under_wsgi_is_a_startup_error() -> None:
    app = session_app(secret_key=None)
    handler = app.as_wsgi()
    with pytest.raises(ImproperlyConfigured, match="secret key"):
        handler.start()
    handler.close()


def test_missing_secret_key_in_debug_uses_a_generated_key_with_one_warning(
    caplog: pytest.LogCaptureFixture, browse: Browse
) -> None:
    caplog.set_level(logging.WARNING, "legato.sessions")
    browser = browse(session_app(secret_key=None, debug=True))
    browser.get("/count/")
    assert json.loads(browser.get("/count/").body)["count"] == 2
    warnings = [r for r in caplog.records if "No secret key" in r.getMessage()]
    assert len(warnings) == 1


def test_unknown_session_store_is_a_startup_error() -> None:
    app = session_app(session_store="files")
    with pytest.raises(ImproperlyConfigured, match="db, redis"), Client(app) as client:
        client.get("/untouched/")


def test_secret_key_in_the_app_is_the_one_sessions_use() -> None:
    assert session_app().secret_keys is not None
    assert session_app().config.secret_key == SECRET


def test_asgi_and_wsgi_agree_on_sessions_that_save_nothing(both: ServeBoth) -> None:
    pair = both(session_app)
    untouched = pair.get("/untouched/")
    assert untouched.cookies == {}
    assert "vary" not in untouched.headers
    read = pair.get("/peek/")
    assert read.cookies == {}
    assert read.headers["vary"] == "Cookie"
    assert json.loads(read.body) == {"data": {}, "key": None}
    flushed = pair.get("/flush/", headers={"Cookie": "sessionid=whatever"})
    assert "Max-Age=0" in flushed.cookies["sessionid"]

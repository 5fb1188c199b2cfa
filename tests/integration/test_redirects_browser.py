"""Chromium is the referee for `url_has_allowed_host_and_scheme`: every URL the helper
calls safe must, parsed by the browser against a page of the site, stay on an allowed
host over http(s). Browsers' URL parsing is where open redirects hide (backslashes,
missing slashes, control characters, IDNA), so the property is checked in a real one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from legato.http import url_has_allowed_host_and_scheme
from tests.http.url_pieces import ALLOWED, any_urls
from tests.integration.servers import CHROMIUM_ARGS, require_binary

pytestmark = pytest.mark.integration

BASE = "https://testserver/accounts/login/"
PARSE = """([url, base]) => {
    try { const u = new URL(url, base); return [u.protocol, u.host]; }
    catch (e) { return null; }
}"""


def test_every_url_called_safe_stays_on_an_allowed_host_in_chromium() -> None:
    chromium = require_binary("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            allowed = {page.evaluate(PARSE, [f"http://{host}/", BASE])[1] for host in ALLOWED}

            @settings(
                max_examples=1500,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            )
            @given(any_urls)
            def check(url: str) -> None:
                if not url_has_allowed_host_and_scheme(url, ALLOWED):
                    return
                parsed = page.evaluate(PARSE, [url, BASE])
                if parsed is None:
                    return  # not a URL to Chromium: a redirect there goes nowhere
                protocol, host = parsed
                assert protocol in ("http:", "https:"), (url, parsed)
                assert host in allowed, (url, parsed)

            check()
        finally:
            browser.close()

"""Two people in two headless Chromium contexts use the social example through its pages,
each on another worker process (one SQLite file, one redis-server): sign up (which logs
in), follow, and a post appears live on the follower's open home page; log out. On uvicorn
and on granian. Screenshots are kept in test-artifacts/social-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    SERVERS,
    require_binary,
)
from tests.integration.social import two_social_workers

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
WAIT_MS = 10_000  # the longest any step may take


@pytest.fixture(scope="module", params=SERVERS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    database = Path(tmp_path_factory.mktemp("social")) / "social.sqlite3"
    with two_social_workers(request.param, f"sqlite+aiosqlite:///{database}") as workers:
        yield workers


def sign_up(page: Any, base: str, username: str) -> None:
    """Fill in legato.auth's sign-up form, which logs the new user in and goes home."""
    from playwright.sync_api import expect

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".bar .me")).to_have_text(f"@{username}", timeout=WAIT_MS)
    expect(page.locator(".flash.success")).to_have_text(f"Welcome, {username}!")


def test_a_post_appears_live_on_a_followers_home_page(two_workers: tuple[str, str]) -> None:
    chromium = require_binary("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    first, second = two_workers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            viewport = {"width": 1000, "height": 700}
            alice = browser.new_context(viewport=viewport).new_page()
            bob = browser.new_context(viewport=viewport).new_page()
            alice.set_default_timeout(WAIT_MS)
            bob.set_default_timeout(WAIT_MS)
            sign_up(alice, first, "alice")
            sign_up(bob, second, "bob")

            bob.goto(f"{second}/u/alice/")
            bob.click("#follow")
            expect(bob.locator("#unfollow")).to_be_visible(timeout=WAIT_MS)
            bob.goto(f"{second}/")
            expect(bob.locator("#status")).to_have_text("live", timeout=WAIT_MS)

            alice.goto(f"{first}/")
            alice.fill("#text", "Hello Bob, <b>not bold</b>")
            alice.click(".composer button")
            expect(alice.locator(".post .text").first).to_have_text("Hello Bob, <b>not bold</b>")

            # Bob's page was not reloaded: the post came over its event stream.
            arrived = bob.locator(".post .text").first
            expect(arrived).to_have_text("Hello Bob, <b>not bold</b>", timeout=WAIT_MS)
            assert bob.locator(".post .text b").count() == 0  # shown as text, not markup
            expect(bob.locator(".post .author").first).to_have_text("@alice")

            ARTIFACTS.mkdir(exist_ok=True)
            alice.screenshot(path=str(ARTIFACTS / "social-alice.png"), full_page=True)
            bob.screenshot(path=str(ARTIFACTS / "social-bob.png"), full_page=True)

            bob.click(".logout button")  # to the login page, logged out
            expect(bob.locator("input[name=password]")).to_be_visible(timeout=WAIT_MS)
            bob.goto(f"{second}/")
            expect(bob).to_have_url(f"{second}/accounts/login/?next=/", timeout=WAIT_MS)
        finally:
            browser.close()
    for name in ("social-alice.png", "social-bob.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

"""Two headless Chromium pages in one chat room exchange messages (WebSocket and the
SSE + POST fallback); a screenshot is kept in test-artifacts/chat.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.servers import ROOT, legato_server, require_binary

pytestmark = pytest.mark.integration

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("browser")) / "chat.sqlite3"
    env = {"LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    with legato_server("examples.chat.app:app", env=env) as url:
        yield url


def test_two_browser_pages_chat_in_one_room(base_url: str) -> None:
    chromium = require_binary("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            alice = browser.new_context(viewport={"width": 1000, "height": 640}).new_page()
            bob = browser.new_context().new_page()
            alice.goto(f"{base_url}/rooms/tea/")
            alice.fill("#nick", "alice")
            alice.click("#nickname button")
            expect(alice.locator("#status")).to_have_text("live · WebSocket")
            # Bob's browser takes the fallback transport: Server-Sent Events + POST.
            bob.goto(f"{base_url}/rooms/tea/?nick=bob&transport=sse")
            expect(bob.locator("#status")).to_have_text("live · Server-Sent Events")
            expect(alice.locator("#online li")).to_have_text(["alice", "bob"])

            alice.fill("#text", "Hello Bob <b>not bold</b>")
            alice.press("#text", "Enter")
            bob_sees = bob.locator(".message .text").last
            expect(bob_sees).to_have_text("Hello Bob <b>not bold</b>")
            assert bob.locator(".message .text b").count() == 0  # shown as text, not markup

            bob.fill("#text", "Hi Alice, over SSE + POST")
            bob.click("#composer button")
            expect(alice.locator(".message .text").last).to_have_text("Hi Alice, over SSE + POST")
            expect(alice.locator(".message.mine .nick").first).to_have_text("alice")

            ARTIFACTS.mkdir(exist_ok=True)
            alice.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

            bob.close()
            expect(alice.locator("#online li")).to_have_text(["alice"], timeout=10_000)
        finally:
            browser.close()
    assert (ARTIFACTS / "chat.png").stat().st_size > 10_000

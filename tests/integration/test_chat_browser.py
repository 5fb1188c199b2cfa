"""Two headless Chromium pages in one chat room exchange messages (WebSocket and the
SSE + POST fallback); a screenshot is kept in test-artifacts/chat.png. Through a Redis
outage, the pages reconnect by themselves and fill the gap from the history. Both run on
uvicorn and on granian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.redis_server import redis_process
from tests.integration.servers import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    SERVERS,
    free_port,
    legato_server,
    require_binary,
    server_options,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=SERVERS)
def options(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The `legato run` options of the server each test starts."""
    return server_options(request.param)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, options: tuple[str, ...]) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("browser")) / "chat.sqlite3"
    env = {"LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    with legato_server("examples.chat.app:app", *options, env=env) as url:
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


def test_pages_reconnect_and_fill_the_gap_after_a_redis_outage(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    chromium = require_binary("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    env = {"LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}"}
    with redis_process(port) as (url, redis):
        env["LEGATO_CHANNELS_URL"] = url
        server = legato_server("examples.chat.app:app", *options, env=env)
        with server as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                alice = browser.new_page()
                bob = browser.new_page()
                for page, nick in ((alice, "alice"), (bob, "bob")):
                    page.goto(f"{base}/rooms/outage/?nick={nick}")
                    expect(page.locator("#status")).to_have_text("live · WebSocket")
                expect(alice.locator("#online li")).to_have_text(["alice", "bob"])

                redis.terminate()
                redis.wait(timeout=10)
                alice.fill("#text", "said while Redis was away")
                alice.press("#text", "Enter")
                expect(alice.locator("#error")).to_contain_text("Your message is saved")
                expect(alice.locator("#status")).to_contain_text("reconnecting in")

                with redis_process(port):
                    # Alice's page comes back by itself; its welcome brings the history.
                    texts = alice.locator(".message .text")
                    expect(alice.locator("#status")).to_have_text(
                        "live · WebSocket", timeout=15_000
                    )
                    expect(texts).to_have_text(["said while Redis was away"])
                    expect(alice.locator("#error")).to_be_hidden()
                    # Bob stayed connected and missed it: the next message names it as its
                    # predecessor, and his page fetches what it lacks, in order.
                    alice.fill("#text", "back again")
                    alice.press("#text", "Enter")
                    expect(bob.locator(".message .text")).to_have_text(
                        ["said while Redis was away", "back again"], timeout=10_000
                    )
            finally:
                browser.close()

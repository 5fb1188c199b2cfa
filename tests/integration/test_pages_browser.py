"""The showcase's and the chat's pages, rendered from templates, in headless Chromium:
each page renders its content with its styles, the clock ticks, a message's HTML stays
text, on uvicorn and on granian. Screenshots are kept in test-artifacts/pages-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    SERVERS,
    legato_server,
    require_binary,
    server_options,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=SERVERS)
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    database = Path(tmp_path_factory.mktemp("pages")) / "showcase.sqlite3"
    env = {"LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    options = server_options(request.param)
    with legato_server("examples.showcase.app:app", *options, env=env) as url:
        yield url


def test_the_showcase_and_chat_pages_render_in_chromium(base_url: str) -> None:
    chromium = require_binary("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    said = httpx.post(
        f"{base_url}/chat/rooms/tea/messages/",
        data={"nick": "bob", "text": "hello <b>there</b>"},
        headers={"Origin": base_url},
        timeout=10,
    )
    assert said.status_code == 201
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"{base_url}/")
            expect(page.locator("h1")).to_have_text("Legato showcase")
            expect(page.locator("li a")).to_have_count(14)  # 13 + the social site
            expect(page.locator("li a").first).to_have_attribute("href", "/seeds/hello/")
            page.screenshot(path=ARTIFACTS / "pages-index.png")

            page.goto(f"{base_url}/streams/clock/")
            expect(page.locator("#clock")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
            size = page.locator("#clock").evaluate("e => getComputedStyle(e).fontSize")
            assert size == "48px"  # showcase.css, linked with static(), applied
            page.screenshot(path=ARTIFACTS / "pages-clock.png")

            page.goto(f"{base_url}/chat/")
            expect(page.locator(".rooms li a")).to_have_text(["tea"])
            background = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == "rgb(248, 249, 251)"  # chat.css, linked with url(), applied
            page.screenshot(path=ARTIFACTS / "pages-lobby.png")

            page.goto(f"{base_url}/chat/rooms/tea/")
            expect(page).to_have_title("#tea · Legato chat")
            expect(page.locator(".message .text")).to_have_text(["hello <b>there</b>"])
            assert page.locator(".message .text b").count() == 0  # escaped by the template
            assert page.locator("body").get_attribute("data-socket") == "/chat/rooms/tea/socket/"
            page.screenshot(path=ARTIFACTS / "pages-room.png")
        finally:
            browser.close()

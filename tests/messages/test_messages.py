"""Flash messages through the real app: added in one request, shown in the next."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from legato import App, messages
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.messages import MessageFailure, MessageMiddleware
from legato.sessions import SessionMiddleware
from legato.shortcuts import render
from legato.test import Client
from legato.urls import path
from tests.channels.redis_server import running_redis
from tests.sessions.apps import SECRET
from tests.sessions.browser import Browser

Browse = Callable[[App], Browser]

PAGE = (
    "{% for m in get_messages() %}<p class='{{ m.tags }}'>{{ m }}</p>{% endfor %}"
    "{% if not get_messages() %}none{% endif %}"
)


def add_sync(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Saved.")
    messages.warning(request, "Careful.", extra_tags="bold")
    messages.debug(request, "Not recorded below INFO.")
    return HttpResponse("added")


async def add_async(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Hello.")
    messages.add_message(request, messages.ERROR, "Broken.")
    return HttpResponse("added")


def add_debug(request: HttpRequest) -> HttpResponse:
    messages.set_level(request, messages.DEBUG)
    messages.debug(request, "Recorded.")
    return HttpResponse("added")


def show_sync(request: HttpRequest) -> JsonResponse:
    shown = [[m.level, str(m), m.tags] for m in messages.get_messages(request)]
    return JsonResponse({"messages": shown})


async def show_async(request: HttpRequest) -> JsonResponse:
    shown = [[m.level, str(m), m.tags] async for m in messages.get_messages(request)]  # type: ignore[union-attr]
    return JsonResponse({"messages": shown})


async def page(request: HttpRequest) -> HttpResponse:
    return render(request, "page.html")


def count_sync(request: HttpRequest) -> JsonResponse:
    storage = messages.get_messages(request)
    return JsonResponse({"count": len(storage)})


async def untouched(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


urlpatterns = [
    path("add/", add_sync),
    path("aadd/", add_async),
    path("add-debug/", add_debug),
    path("show/", show_sync),
    path("ashow/", show_async),
    path("page/", page),
    path("count/", count_sync),
    path("untouched/", untouched),
]


@pytest.fixture
def templates(tmp_path: Path) -> str:
    (tmp_path / "page.html").write_text(PAGE)
    return str(tmp_path)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture(params=["signed_cookies", "db", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "db":
        return {"session_store": "db", "database": f"sqlite+aiosqlite:///{tmp_path}/m.sqlite3"}
    if request.param == "redis":
        return {"session_store": "redis", "session_redis_url": request.getfixturevalue("redis_url")}
    return {}


def message_app(templates: str, **settings: Any) -> App:
    return App(
        urlpatterns,
        middleware=[SessionMiddleware, MessageMiddleware],
        secret_key=SECRET,
        templates=[templates],
        **settings,
    )


def shown(browser: Browser, url: str) -> list[list[Any]]:
    return json.loads(browser.get(url).body)["messages"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("show", ["/show/", "/ashow/"])
def test_messages_added_are_shown_once_on_the_next_page(
    browse: Browse, templates: str, store: dict[str, Any], show: str
) -> None:
    browser = browse(message_app(templates, **store))
    browser.get("/add/")
    browser.get("/aadd/")
    assert shown(browser, show) == [
        [25, "Saved.", "success"],
        [30, "Careful.", "bold warning"],
        [20, "Hello.", "info"],
        [40, "Broken.", "error"],
    ]
    assert shown(browser, show) == []


def test_template_global_shows_and_consumes_messages(
    browse: Browse, templates: str, store: dict[str, Any]
) -> None:
    browser = browse(message_app(templates, **store))
    browser.get("/add/")
    body = browser.get("/page/").text
    assert "<p class='success'>Saved.</p><p class='bold warning'>Careful.</p>" in body
    assert browser.get("/page/").text == "none"


def test_messages_not_iterated_are_kept(browse: Browse, templates: str) -> None:
    browser = browse(message_app(templates))
    browser.get("/add/")
    assert json.loads(browser.get("/count/").body)["count"] == 2
    assert len(shown(browser, "/show/")) == 2


def test_set_level_records_debug_messages(browse: Browse, templates: str) -> None:
    browser = browse(message_app(templates))
    browser.get("/add-debug/")
    assert shown(browser, "/show/") == [[10, "Recorded.", "debug"]]


def test_request_without_messages_leaves_the_session_untouched(
    browse: Browse, templates: str, store: dict[str, Any]
) -> None:
    browser = browse(message_app(templates, **store))
    browser.get("/add/")
    answer = browser.get("/untouched/")
    assert answer.set_cookies == {}
    assert "vary" not in answer.headers


def test_adding_without_the_middleware_fails_unless_silent() -> None:
    request = HttpRequest()
    with pytest.raises(MessageFailure, match="MessageMiddleware"):
        messages.info(request, "lost")
    messages.info(request, "lost", fail_silently=True)
    assert messages.get_messages(request) == []
    assert messages.get_level(request) == messages.INFO
    assert messages.set_level(request, messages.DEBUG) is False


def test_message_middleware_without_sessions_fails_at_start_up(templates: str) -> None:
    app = App(urlpatterns, middleware=[MessageMiddleware], templates=[templates])
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware before it"):  # noqa: SIM117
        with Client(app):
            pass


def test_message_equality_and_tags() -> None:
    message = messages.Message(messages.WARNING, "w", extra_tags="x y")
    assert message == messages.Message(messages.WARNING, "w")
    assert message.tags == "x y warning"
    assert message.level_tag == "warning"
    assert str(message) == "w"
    assert messages.DEFAULT_LEVELS["SUCCESS"] == messages.SUCCESS

"""App: arguments recorded at once, built on first use, when URL modules and paths resolve."""

from __future__ import annotations

import asyncio
import re
from types import ModuleType

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.test import Client
from legato.urls import path, set_script_prefix
from legato.urls.reverse import current_script_prefix
from tests.parity import ServeBoth


async def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


def url_module(**attributes: object) -> ModuleType:
    module = ModuleType("tests_app_urls")
    vars(module).update(attributes)
    return module


def test_app_imports_and_compiles_nothing_until_it_is_built() -> None:
    app = App("tests.no_such_module", middleware=["tests.no_such_module.middleware"])
    with pytest.raises(ModuleNotFoundError, match=r"tests\.no_such_module"):
        app.build()


def test_build_is_idempotent() -> None:
    app = App([path("", home)])
    assert app.build() is app.build()


def test_a_url_module_must_define_urlpatterns() -> None:
    app = App(url_module(patterns=[path("", home)]))
    with pytest.raises(ImproperlyConfigured, match="'tests_app_urls' does not define"):
        app.build()


def test_a_url_module_may_name_its_error_views_as_django_does(both: ServeBoth) -> None:
    async def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
        return HttpResponse("nothing here", status=404)

    module = url_module(urlpatterns=[path("", home)], handler404=not_found)
    response = both(lambda: App(module)).get("/missing/")
    assert (response.status, response.text) == (404, "nothing here")


def test_middleware_may_be_given_by_dotted_path(both: ServeBoth) -> None:
    dotted = "tests.handlers.sample_middleware.add_header"
    pair = both(lambda: App([path("", home)], middleware=[dotted]))
    assert pair.get("/").headers["x-sample"] == "yes"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("add_header", "'add_header' is not a dotted path like 'package.module.name'"),
        (
            "tests.handlers.sample_middleware.missing",
            "'tests.handlers.sample_middleware' does not define 'missing'",
        ),
    ],
)
def test_a_bad_dotted_path_says_what_is_wrong(entry: str, message: str) -> None:
    app = App([path("", home)], middleware=[entry])
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        app.build()


def test_an_unknown_scope_type_is_refused() -> None:
    async def call() -> None:
        await App()({"type": "telepathy"}, None, None)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="scope type 'telepathy'"):
        asyncio.run(call())


def test_stats_start_at_zero_and_count_the_pool() -> None:
    app = App([path("", home)], thread_pool_size=7)
    stats = app.stats()
    assert stats["pool_size"] == 7
    assert stats["requests_in_flight"] == stats["disconnect_cancellations"] == 0
    with Client(app) as client:
        client.get("/")
    assert app.stats()["requests_in_flight"] == 0


def test_app_reverse_uses_its_own_url_table() -> None:
    app = App([path("items/<int:pk>/", home, name="item")])
    assert app.reverse("item", kwargs={"pk": 3}) == "/items/3/"


def test_app_reverse_starts_with_the_script_prefix() -> None:
    app = App([path("items/<int:pk>/", home, name="item")])
    token = set_script_prefix("/shop")
    try:
        assert app.reverse("item", kwargs={"pk": 3}) == "/shop/items/3/"
    finally:
        current_script_prefix.reset(token)

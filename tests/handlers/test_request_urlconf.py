"""`request.urlconf`: a middleware serves one request from another URL table, as in Django."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from legato import App
from legato.handlers import request_urlconf
from legato.handlers.request_urlconf import RequestResolvers
from legato.http import HttpRequest, HttpResponse
from legato.urls import path, reverse
from legato.urls.resolver import Resolver
from tests.parity import ServeBoth


def main_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"main at {reverse('main')}")


async def api_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"api {pk} at {reverse('api-item', args=[pk])}")


API_URLS = [path("items/<int:pk>/", api_view, name="api-item")]


def choose_urlconf(get_response: Any) -> Any:
    """Serve the `api.` host from API_URLS and `tenant.` from a module, as a middleware does."""

    async def middleware(request: HttpRequest) -> Any:
        host = request.headers.get("x-site", "")
        if host == "api":
            request.urlconf = API_URLS
        elif host == "tenant":
            request.urlconf = "tests.handlers.sample_urls"
        return await get_response(request)

    return middleware


choose_urlconf.async_capable = True  # type: ignore[attr-defined]
choose_urlconf.sync_capable = False  # type: ignore[attr-defined]


def make_app() -> App:
    return App([path("main/", main_view, name="main")], middleware=[choose_urlconf])


def test_urlconf_defaults_to_none() -> None:
    assert HttpRequest().urlconf is None


def test_a_middleware_switches_the_url_table_per_request(both: ServeBoth) -> None:
    pair = both(make_app)
    assert pair.get("/main/").text == "main at /main/"
    assert pair.get("/items/3/", headers={"X-Site": "api"}).text == "api 3 at /items/3/"
    assert pair.get("/tenant/", headers={"X-Site": "tenant"}).text == "tenant home at /tenant/"
    # Each table alone: the main routes are not in the api table, and the other way round.
    assert pair.get("/main/", headers={"X-Site": "api"}).status == 404
    assert pair.get("/items/3/").status == 404


def test_append_slash_looks_in_the_requests_table(both: ServeBoth) -> None:
    pair = both(make_app)
    redirect = pair.get("/items/3", headers={"X-Site": "api"})
    assert (redirect.status, redirect.headers["location"]) == (301, "/items/3/")
    assert pair.get("/items/3").status == 404


def test_a_table_is_compiled_once_per_urlconf() -> None:
    adapted: list[Any] = []

    def adapt(view: Any) -> Any:
        adapted.append(view)
        return view

    resolvers = RequestResolvers(adapt)
    first = resolvers.resolver_for(API_URLS)
    assert resolvers.resolver_for(API_URLS) is first
    assert resolvers.resolver_for("tests.handlers.sample_urls") is resolvers.resolver_for(
        "tests.handlers.sample_urls"
    )
    assert len(adapted) == 2  # each view adapted once, with the app's adapter
    assert adapted[0] is api_view
    equal_copy = list(API_URLS)
    assert resolvers.resolver_for(equal_copy) is not first  # lists are told apart by identity
    given = Resolver(API_URLS)
    assert resolvers.resolver_for(given) is given


def test_past_the_cap_tables_are_compiled_per_request_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(request_urlconf, "MAX_TABLES", 1)
    resolvers = RequestResolvers(None)
    resolvers.resolver_for(API_URLS)
    with caplog.at_level(logging.WARNING, logger="legato.request"):
        for _ in range(3):
            table = list(API_URLS)
            assert resolvers.resolver_for(table).resolve("/items/1/").kwargs == {"pk": 1}
    assert len(caplog.records) == 1
    assert "more than 1 different URL tables" in caplog.records[0].getMessage()
    assert resolvers.resolver_for(API_URLS) is resolvers.resolver_for(API_URLS)

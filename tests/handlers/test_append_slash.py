"""Django's APPEND_SLASH: a GET for /foo that only matches /foo/ is redirected."""

from __future__ import annotations

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.http.redirects import url_has_allowed_host_and_scheme
from legato.test import Client
from legato.urls import path
from tests.parity import ServeBoth


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


def app() -> App:
    return App([path("foo/", page)])


def test_get_without_slash_redirects_permanently_keeping_the_query(both: ServeBoth) -> None:
    response = both(app).get("/foo?x=1")
    assert response.status == 301
    assert response.headers["location"] == "/foo/?x=1"


def test_follow_reaches_the_page() -> None:
    with Client(app()) as client:
        response = client.get("/foo", follow=True)
    assert response.text == "page"
    assert response.redirect_chain == [("/foo/", 301)]


def test_post_without_slash_is_not_redirected(both: ServeBoth) -> None:
    assert both(app).post("/foo", {}).status == 404


def test_append_slash_can_be_turned_off(both: ServeBoth) -> None:
    assert both(lambda: App([path("foo/", page)], append_slash=False)).get("/foo").status == 404


# A catch-all route, as Django's flatpages use, makes any path + "/" resolvable: the
# redirect must still never leave the site.
def flatpages() -> App:
    return App([path("<path:page>/", page)])


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("//evil.example", "/%2Fevil.example/"),
        ("///evil.example", "/%2F/evil.example/"),
        ("/%2F/evil.example", "/%2F/evil.example/"),
        ("//evil.example/x", "/%2Fevil.example/x/"),
        ("//evil.example?next=1", "/%2Fevil.example/?next=1"),
        ("/\\evil.example", "/%5Cevil.example/"),
    ],
)
def test_slash_redirect_never_leaves_the_site(both: ServeBoth, url: str, location: str) -> None:
    # Written after a host: on its own, "//evil.example" is a URL with that host.
    response = both(flatpages).request("GET", "http://testserver" + url)
    assert response.status == 301
    assert response.headers["location"] == location
    assert url_has_allowed_host_and_scheme(location, allowed_hosts=set())


def test_slash_redirect_quotes_the_path(both: ServeBoth) -> None:
    response = both(flatpages).get("/caf%C3%A9 menu")
    assert response.headers["location"] == "/caf%C3%A9%20menu/"

"""Django's APPEND_SLASH: a GET for /foo that only matches /foo/ is redirected."""

from __future__ import annotations

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.test import Client
from legato.urls import path


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


def test_get_without_slash_redirects_permanently_keeping_the_query() -> None:
    with Client(App([path("foo/", page)])) as client:
        response = client.get("/foo?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/foo/?x=1"


def test_follow_reaches_the_page() -> None:
    with Client(App([path("foo/", page)])) as client:
        response = client.get("/foo", follow=True)
    assert response.text == "page"
    assert response.redirect_chain == [("/foo/", 301)]


def test_post_without_slash_is_not_redirected() -> None:
    with Client(App([path("foo/", page)])) as client:
        assert client.post("/foo", {}).status_code == 404


def test_append_slash_can_be_turned_off() -> None:
    with Client(App([path("foo/", page)], append_slash=False)) as client:
        assert client.get("/foo").status_code == 404

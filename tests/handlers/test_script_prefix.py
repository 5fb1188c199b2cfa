"""An app mounted under a prefix, through ASGI and WSGI alike: the mount point (ASGI
`root_path`, WSGI SCRIPT_NAME, or `App(force_script_name=...)`) is the request's
script_name, and every URL the app builds (reverse(), APPEND_SLASH, redirect()) starts
with it. Real servers are in tests/integration/test_mounting.py."""

from __future__ import annotations

from typing import Any

import pytest

from legato import App
from legato.handlers.wsgi import scope_from_environ
from legato.http import HttpRequest, HttpResponse
from legato.shortcuts import redirect
from legato.test import Client
from legato.urls import get_script_prefix, path, reverse
from tests.handlers.test_wsgi import make_environ
from tests.parity import ServeBoth, mounted


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(reverse("item", args=[3]))


async def async_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(reverse("item", args=[3], query={"q": "a b"}))


def item(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"item {pk}")


def where(request: HttpRequest) -> HttpResponse:
    parts = (request.script_name, request.path, request.path_info, get_script_prefix())
    return HttpResponse("|".join(parts))


def go(request: HttpRequest) -> HttpResponse:
    return redirect("item", pk=4)


def make_app(**settings: Any) -> App:
    return App(
        [
            path("", home, name="home"),
            path("async/", async_home),
            path("items/<int:pk>/", item, name="item"),
            path("where/", where),
            path("go/", go),
            path("slash/", where),
        ],
        **settings,
    )


@pytest.mark.parametrize("script_name", ["/prefix", "/prefix/"])
def test_reverse_starts_with_the_mount_point(both: ServeBoth, script_name: str) -> None:
    pair = both(make_app, script_name=script_name)
    assert pair.get("/").text == "/prefix/items/3/"
    assert pair.get("/async/").text == "/prefix/items/3/?q=a+b"
    assert pair.get("/items/3/").text == "item 3"


@pytest.mark.parametrize("script_name", ["/prefix", "/prefix/"])
def test_request_splits_the_mount_point_from_the_path(both: ServeBoth, script_name: str) -> None:
    pair = both(make_app, script_name=script_name)
    assert pair.get("/where/").text == "/prefix|/prefix/where/|/where/|/prefix/"


def test_an_app_at_the_root_has_the_prefix_slash(both: ServeBoth) -> None:
    pair = both(make_app)
    assert pair.get("/").text == "/items/3/"
    assert pair.get("/where/").text == "|/where/|/where/|/"


def test_append_slash_redirects_under_the_mount_point(both: ServeBoth) -> None:
    answer = both(make_app, script_name="/prefix").get("/slash?x=1")
    assert (answer.status, answer.headers["location"]) == (301, "/prefix/slash/?x=1")


def test_shortcut_redirect_goes_under_the_mount_point(both: ServeBoth) -> None:
    answer = both(make_app, script_name="/prefix").get("/go/")
    assert (answer.status, answer.headers["location"]) == (302, "/prefix/items/4/")


def test_quoted_mount_point_is_quoted_in_urls(both: ServeBoth) -> None:
    assert both(make_app, script_name="/my shop").get("/").text == "/my%20shop/items/3/"


def test_force_script_name_mounts_an_app_the_server_does_not(both: ServeBoth) -> None:
    # A proxy strips "/shop" and says nothing: the app is told where it is mounted.
    pair = both(lambda: make_app(force_script_name="/shop"))
    assert pair.get("/").text == "/shop/items/3/"
    assert pair.get("/where/").text == "/shop|/shop/where/|/where/|/shop/"
    assert pair.get("/go/").headers["location"] == "/shop/items/4/"


def test_force_script_name_wins_over_the_servers(both: ServeBoth) -> None:
    pair = both(lambda: make_app(force_script_name="/shop/"), script_name="/prefix")
    assert pair.get("/").text == "/shop/items/3/"


def test_prefix_ends_with_the_request() -> None:
    app = make_app()
    with Client(mounted(app, "/prefix")) as client:
        assert client.get("/").content == b"/prefix/items/3/"
    assert get_script_prefix() == "/"
    with Client(app) as client:
        assert client.get("/").content == b"/items/3/"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SCRIPT_NAME": "/PREFIX", "PATH_INFO": "/p/"}, ("/PREFIX", "/PREFIX/p/")),
        ({"SCRIPT_NAME": "/PREFIX/", "PATH_INFO": "/p/"}, ("/PREFIX", "/PREFIX/p/")),
        # gunicorn with SCRIPT_NAME="/PREFIX/" cuts the path after the prefix's slash
        ({"SCRIPT_NAME": "/PREFIX/", "PATH_INFO": "p/"}, ("/PREFIX", "/PREFIX/p/")),
        ({"SCRIPT_NAME": "/PREFIX", "PATH_INFO": ""}, ("/PREFIX", "/PREFIX")),
        ({"SCRIPT_NAME": "", "PATH_INFO": "/p/"}, ("", "/p/")),
    ],
)
def test_wsgi_mount_point_and_path_join_with_one_slash(
    environ: dict[str, str], expected: tuple[str, str]
) -> None:
    scope = scope_from_environ(make_environ("GET", "/", **environ))
    assert (scope["root_path"], scope["path"]) == expected
    request = HttpRequest(scope)
    assert request.path_info == (expected[1].removeprefix(expected[0]) or "/")


def test_wsgi_force_script_name_replaces_script_name() -> None:
    environ = make_environ("GET", "/p/", SCRIPT_NAME="/server")
    scope = scope_from_environ(environ, force_script_name="/forced/")
    assert (scope["root_path"], scope["path"]) == ("/forced", "/forced/p/")

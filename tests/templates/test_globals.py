"""What every template has: url(), static(), debug; request and csrf_* per render."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup

from legato import App
from legato.http import HttpRequest, HttpResponseBase
from legato.shortcuts import render
from legato.templates.globals import app_globals, request_context
from legato.urls import path
from legato.urls.resolver import Resolver
from legato.urls.reverse import current_script_prefix, set_script_prefix
from tests.parity import ServeBoth


async def article(request: HttpRequest, year: int, slug: str) -> HttpResponseBase:
    return render(request, "links.html", {"year": year, "slug": slug})


def test_url_static_and_request_inside_a_request(both: ServeBoth, tmp_path: Path) -> None:
    (tmp_path / "links.html").write_text(
        "{{ url('article', year=year, slug=slug) }} {{ url('article', 2020, 'x') }} "
        "{{ static('app.css') }} {{ request.method }} {{ debug }}"
    )
    routes = [path("a/<int:year>/<slug:slug>/", article, name="article")]
    served = both(lambda: App(routes, templates=[tmp_path]))
    assert served.get("/a/2024/tea/").text == "/a/2024/tea/ /a/2020/x/ /static/app.css GET False"
    mounted = both(lambda: App(routes, templates=[tmp_path]), script_name="/blog")
    assert mounted.get("/a/2024/tea/").text == (
        "/blog/a/2024/tea/ /blog/a/2020/x/ /blog/static/app.css GET False"
    )


def test_static_calls_the_apps_static_method() -> None:
    def static(name: str) -> str:
        return f"/assets/{name}.abc123"

    made = app_globals(lambda: Resolver([]), static, debug=False)
    assert made["static"]("app.css") == "/assets/app.css.abc123"


def test_the_default_static_url_is_quoted_under_the_script_prefix() -> None:
    static = app_globals(lambda: Resolver([]), None, debug=False)["static"]
    token = set_script_prefix("/shop/")
    try:
        assert static("/css/a b.css") == "/shop/static/css/a%20b.css"
    finally:
        current_script_prefix.reset(token)


def test_request_context_adds_djangos_three_over_the_views_context() -> None:
    request = object()
    context = request_context(request, {"title": "t", "request": "shadowed"})
    assert context["title"] == "t"
    assert context["request"] is request
    assert context["csrf_input"] == Markup("")
    assert context["csrf_token"] == ""


def test_request_context_without_a_request_is_the_views_context() -> None:
    assert request_context(None, {"a": 1}) == {"a": 1}
    assert request_context(None, None) == {}


@pytest.mark.anyio
async def test_url_outside_a_request_uses_the_apps_table(tmp_path: Path) -> None:
    (tmp_path / "u.html").write_text("{{ url('article', 1999, 'old') }}")
    app = App([path("a/<int:year>/<slug:slug>/", article, name="article")], templates=[tmp_path])
    assert await app.templates.render_async("u.html") == "/a/1999/old/"


@pytest.mark.anyio
async def test_url_takes_a_route_argument_called_name(tmp_path: Path) -> None:
    (tmp_path / "n.html").write_text("{{ url('file', name='a.css') }}")
    app = App([path("files/<str:name>", article, name="file")], templates=[tmp_path])
    assert await app.templates.render_async("n.html") == "/files/a.css"

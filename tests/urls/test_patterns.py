"""Route declaration: what path(), re_path(), include() and websocket() accept and refuse."""

from __future__ import annotations

import re
from typing import Any

import pytest

from legato.exceptions import ImproperlyConfigured
from legato.urls.patterns import (
    Include,
    URLInclude,
    URLPattern,
    include,
    path,
    re_path,
    websocket,
)
from legato.urls.resolver import Resolver
from tests.urls.sample import shop_urls


def view(request: object, **kwargs: Any) -> None:
    return None


async def handler(ws: object, **kwargs: Any) -> None:
    return None


class MyView:
    @classmethod
    def as_view(cls) -> Any:
        return view


def test_path_returns_url_pattern_with_django_attributes() -> None:
    pattern = path("a/<int:pk>/", view, {"x": 1}, name="a")
    assert isinstance(pattern, URLPattern)
    assert (pattern.callback, pattern.default_args, pattern.name) == (view, {"x": 1}, "a")
    assert str(pattern.pattern) == "a/<int:pk>/"
    assert repr(pattern) == "<URLPattern 'a/<int:pk>/' [name='a']>"


def test_path_with_include_returns_url_include() -> None:
    mounted = path("blog/", include([path("", view)]))
    assert isinstance(mounted, URLInclude)
    assert len(mounted.url_patterns) == 1


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("items/<foo:pk>/", "unknown converter 'foo'"),
        ("items/<int:pk/", "without a matching '>'"),
        ("items/int:pk>/", "without a matching '<'"),
        ("items/<>/", "malformed parameter"),
        ("items/<int:>/", "malformed parameter"),
        ("items/<:pk>/", "malformed parameter"),
        ("items/<a:b:c>/", "malformed parameter"),
        ("items/<int: pk>/", "whitespace"),
        ("items/<int:1pk>/", "not a valid Python identifier"),
        ("items/<int:pk>/<str:pk>/", "more than once"),
        ("/items/", "drop the leading slash"),
        ("^items/$", "use re_path()"),
        ("items/(?P<pk>[0-9]+)/", "use re_path()"),
    ],
)
def test_path_rejects_bad_routes_at_definition(route: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        path(route, view)


def test_unknown_converter_error_says_how_to_register() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"register_converter\(MyConverter, 'foo'\)"):
        path("<foo:x>/", view)


@pytest.mark.parametrize(
    ("regex", "message"),
    [
        (r"^items/(?P<pk>[0-9]+/$", "not a valid regular expression"),
        (r"^(?P<a>x)(?P<a>y)$", "not a valid regular expression"),
        (r"^/items/$", "drop the leading slash"),
        (r"/items/$", "drop the leading slash"),
    ],
)
def test_re_path_rejects_bad_regexes_at_definition(regex: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        re_path(regex, view)


def test_class_instead_of_as_view_suggests_as_view() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"did you mean MyView\.as_view\(\)\?"):
        path("x/", MyView)


@pytest.mark.parametrize("bad", [None, 42, "app.views.index", [path("a/", view)]])
def test_non_callable_view_is_refused(bad: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="'x/'"):
        path("x/", bad)


def test_bad_kwargs_and_names_are_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="must be a dict"):
        path("x/", view, kwargs=[("a", 1)])  # type: ignore[call-overload]
    with pytest.raises(ImproperlyConfigured, match="without ':'"):
        path("x/", view, name="a:b")
    with pytest.raises(ImproperlyConfigured, match="not named"):
        path("x/", include([]), name="x")  # type: ignore[call-overload]


def test_include_list_has_no_namespace() -> None:
    routes = [path("a/", view)]
    assert include(routes) == Include(tuple(routes), None, None)


def test_include_pair_sets_app_name_and_default_namespace() -> None:
    included = include(([path("a/", view)], "blog"))
    assert (included.app_name, included.namespace) == ("blog", "blog")
    included = include(([path("a/", view)], "blog"), namespace="blog2")
    assert (included.app_name, included.namespace) == ("blog", "blog2")


def test_include_namespace_without_app_name_says_what_to_add() -> None:
    with pytest.raises(ImproperlyConfigured, match="app_name"):
        include([path("a/", view)], namespace="blog")


def test_include_dotted_module_reads_patterns_and_app_name() -> None:
    included = include("tests.urls.sample.shop_urls")
    assert included.app_name == included.namespace == "shop"
    assert included.patterns == tuple(shop_urls.urlpatterns)


def test_include_module_object() -> None:
    included = include(shop_urls, namespace="store")
    assert (included.app_name, included.namespace) == ("shop", "store")


def test_include_module_without_urlpatterns_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="no `urlpatterns`"):
        include("tests.urls.sample.no_patterns")


def test_include_rejects_items_that_are_not_routes() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"urlpatterns\[1\]"):
        include([path("a/", view), "b/"])
    with pytest.raises(ImproperlyConfigured, match="include"):
        include([[path("a/", view)]])


def test_resolver_rejects_items_that_are_not_routes() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"urlpatterns\[0\]"):
        Resolver([view])


def test_websocket_builds_a_websocket_route() -> None:
    route = websocket("ws/<slug:room>/", handler, name="chat")
    assert route.kind == "websocket"
    assert route.name == "chat"


def test_websocket_refuses_sync_handlers_and_includes() -> None:
    with pytest.raises(ImproperlyConfigured, match="async def"):
        websocket("ws/", view)
    with pytest.raises(ImproperlyConfigured, match="include"):
        websocket("ws/", include([]))  # type: ignore[arg-type]


def test_same_parameter_in_prefix_and_route_is_refused_when_compiled() -> None:
    patterns = [path("u/<int:pk>/", include([path("p/<int:pk>/", view)]))]
    with pytest.raises(ImproperlyConfigured, match="captures 'pk' twice"):
        Resolver(patterns)

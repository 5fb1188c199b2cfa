"""Resolution: Django's semantics on a compiled table, and the table's cost."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import markcoroutinefunction

from legato.urls import _regex
from legato.urls.patterns import include, path, re_path, websocket
from legato.urls.resolver import Resolver, Resolver404


def make_view(label: str) -> Callable[..., Any]:
    def view(request: object, **kwargs: Any) -> str:
        return label

    view.__name__ = view.__qualname__ = f"view_{label}"
    return view


a, b, c, d = (make_view(label) for label in "abcd")


async def async_view(request: object, **kwargs: Any) -> None:
    return None


async def chat(ws: object, **kwargs: Any) -> None:
    return None


def test_static_route_resolves_with_empty_arguments() -> None:
    match = Resolver([path("about/", a, name="about")]).resolve("/about/")
    assert (match.func, match.args, match.kwargs) == (a, (), {})
    assert (match.url_name, match.route, match.view_name) == ("about", "about/", "about")


def test_root_route_is_the_empty_string() -> None:
    assert Resolver([path("", a)]).resolve("/").func is a


def test_dynamic_route_converts_captured_values() -> None:
    match = Resolver([path("blog/<int:year>/<slug:title>/", a)]).resolve("/blog/2024/hello/")
    assert match.kwargs == {"year": 2024, "title": "hello"}
    assert match.captured_kwargs == {"year": 2024, "title": "hello"}
    assert match.route == "blog/<int:year>/<slug:title>/"


def test_match_unpacks_like_django() -> None:
    match = Resolver([path("x/<int:n>/", a)]).resolve("/x/1/")
    func, args, kwargs = match
    assert (func, args, kwargs) == (a, (), {"n": 1})
    assert match[0] is a
    assert match[2] == {"n": 1}


def test_view_name_without_url_name_is_the_dotted_view_path() -> None:
    match = Resolver([path("x/", a)]).resolve("/x/")
    assert match.url_name is None
    assert match.view_name == f"{__name__}.view_a"


def test_repr_names_func_route_and_kwargs() -> None:
    text = repr(Resolver([path("x/<int:n>/", a, name="x")]).resolve("/x/3/"))
    assert text.startswith("ResolverMatch(func=tests.urls.test_resolver.")
    assert "kwargs={'n': 3}" in text
    assert "route='x/<int:n>/'" in text


def empty_view(request: object, template_name: str = "") -> None:
    return None


def test_repr_is_djangos() -> None:
    resolver = Resolver(
        [
            re_path(r"^no_kwargs/([0-9]+)/([0-9]+)/$", empty_view, name="no-kwargs"),
            re_path(r"^mixed_args/([0-9]+)/(?P<arg2>[0-9]+)/$", empty_view, {"extra": True}),
        ]
    )
    assert repr(resolver.resolve("/no_kwargs/42/37/")) == (
        "ResolverMatch(func=tests.urls.test_resolver.empty_view, args=('42', '37'), kwargs={}, "
        "url_name='no-kwargs', app_names=[], namespaces=[], "
        "route='^no_kwargs/([0-9]+)/([0-9]+)/$')"
    )
    assert repr(resolver.resolve("/mixed_args/1986/11/")) == (
        "ResolverMatch(func=tests.urls.test_resolver.empty_view, args=(), "
        "kwargs={'arg2': '11', 'extra': True}, url_name=None, app_names=[], namespaces=[], "
        "route='^mixed_args/([0-9]+)/(?P<arg2>[0-9]+)/$', "
        "captured_kwargs={'arg2': '11'}, extra_kwargs={'extra': True})"
    )


def test_repr_shows_a_partials_arguments() -> None:
    partial = functools.partial(empty_view, template_name="template.html")
    nested = functools.partial(functools.partial(empty_view, template_name="nested.html"))
    wrapped = functools.update_wrapper(
        functools.partial(empty_view, template_name="template.html"), empty_view
    )
    resolver = Resolver(
        [
            path("partial/", partial, name="partial"),
            path("partial_nested/", nested, name="partial_nested"),
            path("partial_wrapped/", wrapped, name="partial_wrapped"),
        ]
    )
    for name, template_name in [
        ("partial", "template.html"),
        ("partial_nested", "nested.html"),
        ("partial_wrapped", "template.html"),
    ]:
        func = f"functools.partial({empty_view!r}, template_name='{template_name}')"
        assert repr(resolver.resolve(f"/{name}/")) == (
            f"ResolverMatch(func={func}, args=(), kwargs={{}}, url_name='{name}', "
            f"app_names=[], namespaces=[], route='{name}/')"
        )


def test_repr_names_a_class_based_view_by_its_class() -> None:
    from legato.views import View

    class Page(View):
        def get(self, request: object) -> None:
            return None

    text = repr(Resolver([path("p/", Page.as_view())]).resolve("/p/"))
    assert text.startswith("ResolverMatch(func=tests.urls.test_resolver.Page, ")


@pytest.mark.parametrize(
    ("outer", "inner", "route"),
    [
        ("", r"^x/$", "^x/$"),  # an empty level before it keeps the inner "^"
        ("in/", r"^x/$", "in/x/$"),
        (r"^in/", r"^x/$", "^in/x/$"),
        (r"^in/", "x/", "^in/x/"),
        ("in/", "x/", "in/x/"),
    ],
)
def test_route_of_an_included_re_path_is_joined_as_django_joins_it(
    outer: str, inner: str, route: str
) -> None:
    mount = re_path if outer.startswith("^") else path
    endpoint = re_path(inner, a) if inner.startswith("^") else path(inner, a)
    resolver = Resolver([mount(outer, include([endpoint]))])
    assert resolver.resolve("/in/x/" if outer else "/x/").route == route


def test_route_under_two_empty_levels_keeps_its_caret() -> None:
    resolver = Resolver([path("", include([path("", include([re_path(r"^x/$", a)]))]))])
    assert resolver.resolve("/x/").route == "^x/$"


def test_unknown_path_raises_resolver404_with_path_and_tried() -> None:
    resolver = Resolver([path("a/", a), path("b/<int:n>/", b)])
    with pytest.raises(Resolver404) as caught:
        resolver.resolve("/c/")
    assert caught.value.path == "/c/"
    assert [route.pattern for route in caught.value.tried] == ["a/", "b/<int:n>/"]


def test_path_without_leading_slash_does_not_resolve() -> None:
    with pytest.raises(Resolver404):
        Resolver([path("a/", a), path("<slug:s>/", b)]).resolve("a/")


def test_adapt_view_runs_once_per_route_at_compile_time() -> None:
    calls: list[Callable[..., Any]] = []

    def adapt(view: Callable[..., Any]) -> Callable[..., Any]:
        calls.append(view)
        return lambda request, **kwargs: ("adapted", view(request, **kwargs))

    resolver = Resolver([path("a/", a), path("b/<int:n>/", b), websocket("ws/", chat)], adapt)
    assert calls == [a, b]  # websocket handlers are async by contract: never adapted
    for _ in range(3):
        match = resolver.resolve("/b/1/")
    assert calls == [a, b]
    assert match.func is b
    assert match.callback(None) == ("adapted", "b")
    assert resolver.resolve_websocket("/ws/").callback is chat


def test_first_declared_dynamic_route_wins() -> None:
    resolver = Resolver([path("<slug:s>/", a), path("<str:s>/", b), path("<int:n>/", c)])
    assert resolver.resolve("/12/").func is a
    assert resolver.resolve("/a.b/").func is b


def test_static_route_shadowed_by_earlier_dynamic_route_loses() -> None:
    resolver = Resolver([path("<slug:s>/", a), path("about/", b)])
    match = resolver.resolve("/about/")
    assert (match.func, match.kwargs) == (a, {"s": "about"})


def test_static_route_declared_first_wins_over_dynamic() -> None:
    resolver = Resolver([path("about/", b), path("<slug:s>/", a)])
    assert resolver.resolve("/about/").func is b
    assert resolver.resolve("/other/").func is a


def test_static_route_is_not_shadowed_when_the_converter_does_not_match() -> None:
    resolver = Resolver([path("items/<int:pk>/", a), path("items/new/", b)])
    assert resolver.resolve("/items/new/").func is b
    assert resolver.resolve("/items/3/").func is a


def test_static_route_is_not_shadowed_when_to_python_declines() -> None:
    class Even:
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValueError("odd")
            return int(value)

        def to_url(self, value: int) -> str:
            return str(value)

    from legato.urls.converters import register_converter

    register_converter(Even, "even_resolver_test")
    resolver = Resolver([path("<even_resolver_test:n>/", a), path("3/", b), path("4/", c)])
    assert resolver.resolve("/3/").func is b
    assert resolver.resolve("/4/").func is a


def test_duplicate_static_routes_first_wins() -> None:
    assert Resolver([path("x/", a), path("x/", b)]).resolve("/x/").func is a


def test_include_concatenates_prefixes() -> None:
    inner = [path("", a), path("<int:n>/", b), path("deep/", include([path("end/", c)]))]
    resolver = Resolver([path("v1/", include(inner))])
    assert resolver.resolve("/v1/").func is a
    assert resolver.resolve("/v1/7/").kwargs == {"n": 7}
    match = resolver.resolve("/v1/deep/end/")
    assert (match.func, match.route) == (c, "v1/deep/end/")


def test_include_order_is_depth_first_like_django() -> None:
    resolver = Resolver(
        [path("p/", include([path("<int:n>/", a)])), path("p/<str:s>/", b), path("p/1/", c)]
    )
    assert resolver.resolve("/p/1/").func is a
    assert resolver.resolve("/p/x/").func is b


def test_namespaces_and_app_names_accumulate() -> None:
    inner = include(([path("detail/<int:pk>/", a, name="detail")], "comments"))
    outer = include(([path("c/", inner)], "blog"), namespace="news")
    match = Resolver([path("n/", outer)]).resolve("/n/c/detail/5/")
    assert match.app_names == ["blog", "comments"]
    assert match.namespaces == ["news", "comments"]
    assert (match.app_name, match.namespace) == ("blog:comments", "news:comments")
    assert match.view_name == "news:comments:detail"


def test_include_without_namespace_adds_no_namespace() -> None:
    match = Resolver([path("x/", include([path("y/", a, name="y")]))]).resolve("/x/y/")
    assert (match.namespaces, match.view_name) == ([], "y")


def test_default_kwargs_merge_with_captured_values() -> None:
    routes = [path("u/<int:uid>/", include([path("p/<int:pid>/", a, {"page": 1})]), {"site": "s"})]
    match = Resolver(routes).resolve("/u/3/p/4/")
    assert match.kwargs == {"uid": 3, "pid": 4, "site": "s", "page": 1}
    assert match.captured_kwargs == {"uid": 3, "pid": 4}
    assert match.extra_kwargs == {"site": "s", "page": 1}


def test_route_default_kwargs_override_captured_values_like_django() -> None:
    match = Resolver([path("x/<int:n>/", a, {"n": 99})]).resolve("/x/1/")
    assert match.kwargs == {"n": 99}
    assert match.captured_kwargs == {"n": 1}


def test_captured_value_below_an_include_default_wins_like_django() -> None:
    routes = [path("x/", include([path("<int:n>/", a)]), {"n": 0})]
    assert Resolver(routes).resolve("/x/5/").kwargs == {"n": 5}
    routes = [path("<int:n>/", include([path("x/", a)]), {"n": 0})]
    assert Resolver(routes).resolve("/5/x/").kwargs == {"n": 0}


def test_static_route_default_kwargs_are_fresh_per_match() -> None:
    resolver = Resolver([path("x/", a, {"tags": "t"})])
    first = resolver.resolve("/x/")
    first.kwargs["tags"] = "changed"
    assert resolver.resolve("/x/").kwargs == {"tags": "t"}


def test_re_path_named_groups_become_string_kwargs() -> None:
    match = Resolver([re_path(r"^a/(?P<year>[0-9]{4})/$", a)]).resolve("/a/2024/")
    assert (match.args, match.kwargs) == ((), {"year": "2024"})
    assert match.route == "^a/(?P<year>[0-9]{4})/$"


def test_re_path_unnamed_groups_become_positional_args() -> None:
    match = Resolver([re_path(r"^a/(\d+)/(\d+)/$", a)]).resolve("/a/1/2/")
    assert (match.args, match.kwargs) == (("1", "2"), {})


def test_re_path_named_groups_suppress_unnamed_ones() -> None:
    match = Resolver([re_path(r"^a/(\d+)/(?P<b>\d+)/$", a)]).resolve("/a/1/2/")
    assert (match.args, match.kwargs) == ((), {"b": "2"})


def test_re_path_drops_named_groups_that_did_not_match() -> None:
    resolver = Resolver([re_path(r"^a/(?:(?P<page>\d+)/)?$", a)])
    assert resolver.resolve("/a/").kwargs == {}
    assert resolver.resolve("/a/3/").kwargs == {"page": "3"}


def test_positional_args_from_an_include_prefix_follow_django() -> None:
    positional = Resolver([re_path(r"^(\d+)/", include([re_path(r"^(\d+)/$", a)]))])
    assert positional.resolve("/1/2/").args == ("1", "2")
    with_kwargs = Resolver([re_path(r"^(\d+)/", include([path("<int:n>/", a)]))])
    match = with_kwargs.resolve("/1/2/")
    assert (match.args, match.kwargs) == ((), {"n": 2})
    with_default = Resolver([re_path(r"^(\d+)/", include([re_path(r"^(\d+)/$", a)]), {"k": 1})])
    assert with_default.resolve("/1/2/").args == ("2",)


def test_re_path_endpoint_without_dollar_matches_a_prefix_like_django() -> None:
    resolver = Resolver([re_path(r"^files/", a)])
    assert resolver.resolve("/files/anything/here").func is a


def test_re_path_endpoint_ending_in_dollar_is_a_full_match() -> None:
    resolver = Resolver([re_path(r"about/$", a)])
    assert resolver.resolve("/about/").func is a
    with pytest.raises(Resolver404):
        resolver.resolve("/xabout/")


def test_unanchored_re_path_searches_like_django() -> None:
    resolver = Resolver([re_path(r"about/\Z", a)])
    assert resolver.resolve("/see/about/").func is a


def test_include_prefix_is_matched_before_its_routes_like_django() -> None:
    # Django commits to the prefix's own match (greedy <path:p> eats "a/x") before trying
    # the routes below it, so "x/" is left nothing to match.
    resolver = Resolver([path("files/<path:p>/", include([path("x/", a)]))])
    with pytest.raises(Resolver404):
        resolver.resolve("/files/a/x/")


def test_regex_include_prefix() -> None:
    resolver = Resolver([re_path(r"^api/v(?P<version>[12])/", include([path("items/", a)]))])
    assert resolver.resolve("/api/v2/items/").kwargs == {"version": "2"}
    with pytest.raises(Resolver404):
        resolver.resolve("/api/v3/items/")


def test_case_insensitive_regex_is_not_treated_as_literal() -> None:
    resolver = Resolver([re_path(r"(?i)^about/$", a)])
    assert resolver.resolve("/ABOUT/").func is a


def test_websocket_routes_live_in_their_own_table() -> None:
    resolver = Resolver([path("room/", a), websocket("room/<slug:name>/", chat)])
    assert resolver.resolve_websocket("/room/lobby/").kwargs == {"name": "lobby"}
    with pytest.raises(Resolver404):
        resolver.resolve("/room/lobby/")
    with pytest.raises(Resolver404):
        resolver.resolve_websocket("/room/")


def test_should_append_slash() -> None:
    resolver = Resolver([path("about/", a), path("items/<int:n>/", b), path("plain", c)])
    assert resolver.should_append_slash("/about")
    assert resolver.should_append_slash("/items/3")
    assert not resolver.should_append_slash("/about/")  # already ends in "/"
    assert not resolver.should_append_slash("/plain")  # resolves as it is
    assert not resolver.should_append_slash("/missing")  # "/missing/" does not resolve either
    assert not resolver.should_append_slash("/items/x")


def test_should_append_slash_respects_no_append_slash_views() -> None:
    def view(request: object) -> None:
        return None

    view.should_append_slash = False  # type: ignore[attr-defined]
    assert not Resolver([path("x/", view)]).should_append_slash("/x")


def test_routes_lists_every_route_in_declaration_order() -> None:
    class AsyncCallable:
        async def __call__(self, request: object) -> None:
            return None

    marked = markcoroutinefunction(lambda request: None)
    resolver = Resolver(
        [
            path("a/", a, name="a"),
            websocket("ws/", chat, name="chat"),
            path("b/", include(([path("<int:n>/", async_view, name="b")], "app"))),
            path("c/", marked),
            path("d/", AsyncCallable()),
        ]
    )
    rows = [(r.kind, r.pattern, r.name, r.is_async) for r in resolver.routes()]
    assert rows == [
        ("http", "a/", "a", False),
        ("websocket", "ws/", "chat", True),
        ("http", "b/<int:n>/", "app:b", True),
        ("http", "c/", None, True),
        ("http", "d/", None, True),
    ]
    assert resolver.routes()[0].view is a
    assert resolver.routes()[0].route == "a/"


def test_resolver_accepts_a_dotted_module_path() -> None:
    resolver = Resolver("tests.urls.sample.shop_urls")
    assert resolver.resolve("/products/3/").kwargs == {"pk": 3}


def test_two_thousand_routes_each_resolve_to_their_own_view() -> None:
    views = [make_view(str(i)) for i in range(2000)]
    routes = []
    for i in range(1000):
        routes.append(path(f"static{i}/page/", views[2 * i]))
        routes.append(path(f"dynamic{i}/<int:pk>/<slug:slug>/", views[2 * i + 1]))
    resolver = Resolver(routes)
    for i in range(1000):
        static = resolver.resolve(f"/static{i}/page/")
        assert (static.func, static.kwargs) == (views[2 * i], {})
        dynamic = resolver.resolve(f"/dynamic{i}/{i * 7}/s-{i}/")
        assert (dynamic.func, dynamic.kwargs) == (views[2 * i + 1], {"pk": i * 7, "slug": f"s-{i}"})
    with pytest.raises(Resolver404):
        resolver.resolve("/dynamic1000/1/x/")


class CountingPattern:
    """A compiled regex that counts how often the resolver asks it to match."""

    calls = 0

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self._pattern = pattern

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)

    def _count(self, method: str, *args: Any) -> Any:
        CountingPattern.calls += 1
        return getattr(self._pattern, method)(*args)

    def match(self, *args: Any) -> Any:
        return self._count("match", *args)

    def fullmatch(self, *args: Any) -> Any:
        return self._count("fullmatch", *args)

    def search(self, *args: Any) -> Any:
        return self._count("search", *args)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingPattern]:
    real = _regex.compile_regex
    monkeypatch.setattr(_regex, "compile_regex", lambda text: CountingPattern(real(text)))
    CountingPattern.calls = 0
    return CountingPattern


def test_dynamic_resolution_tries_only_routes_with_a_matching_prefix(
    counting: type[CountingPattern],
) -> None:
    views = [make_view(str(i)) for i in range(1000)]
    routes = [path(f"section{i}/<int:pk>/", views[i]) for i in range(500)]
    routes += [re_path(rf"^legacy{i}/(?P<pk>[0-9]+)/$", views[500 + i]) for i in range(500)]
    resolver = Resolver(routes)
    counting.calls = 0
    assert resolver.resolve("/section377/5/").func is views[377]
    assert resolver.resolve("/legacy123/5/").func is views[623]
    with pytest.raises(Resolver404):
        resolver.resolve("/section377/x/")
    assert counting.calls <= 4  # a scan would make about 1,500 match calls


def test_prefix_index_works_inside_path_segments(counting: type[CountingPattern]) -> None:
    views = [make_view(str(i)) for i in range(1000)]
    resolver = Resolver([path(f"item{i}-<int:pk>", views[i]) for i in range(1000)])
    counting.calls = 0
    assert resolver.resolve("/item999-5").func is views[999]
    assert resolver.resolve("/item1-5").func is views[1]
    # "item1-" and "item10-" ... share no full prefix with each other: one try each.
    assert counting.calls <= 2


def test_every_route_the_segments_allow_is_still_tried_in_order(
    counting: type[CountingPattern],
) -> None:
    routes = [
        path("<slug:s>/<int:n>/", a),
        path("<slug:s>/x/", d),  # "zz" is not "x": never tried for /p/zz/
        path("p/<int:n>/", b),
        path("p/<str:s>/", c),
    ]
    resolver = Resolver(routes)
    counting.calls = 0
    assert resolver.resolve("/p/zz/").func is c
    assert counting.calls == 3


def test_routes_that_begin_with_a_converter_are_told_apart_by_their_segments(
    counting: type[CountingPattern],
) -> None:
    views = [make_view(str(i)) for i in range(1000)]
    routes = [path(f"<slug:s>/x{i}/", views[i]) for i in range(1000)]
    resolver = Resolver(routes)
    counting.calls = 0
    match = resolver.resolve("/abc/x999/")
    assert (match.func, match.kwargs) == (views[999], {"s": "abc"})
    with pytest.raises(Resolver404):
        resolver.resolve("/abc/y1/")
    assert counting.calls == 1  # a scan would make 1,000 match calls for each


def test_converter_include_prefix_is_indexed_past_the_converter(
    counting: type[CountingPattern],
) -> None:
    views = [make_view(str(i)) for i in range(100)]
    groups = [
        path(
            f"<slug:org>/g{g}/",
            include([path(f"x{i}/<int:pk>/", views[10 * g + i]) for i in range(10)]),
        )
        for g in range(10)
    ]
    resolver = Resolver(groups)
    counting.calls = 0
    assert resolver.resolve("/acme/g9/x9/5/").kwargs == {"org": "acme", "pk": 5}
    assert counting.calls <= 2  # the include level and the route's own


def test_converter_segments_are_indexed_by_their_literal_start_and_end(
    counting: type[CountingPattern],
) -> None:
    views = [make_view(str(i)) for i in range(200)]
    routes = [path(f"item{i}-<int:pk>/", views[i]) for i in range(100)]
    routes += [path(f"<int:pk>.v{i}/", views[100 + i]) for i in range(100)]
    resolver = Resolver(routes)
    counting.calls = 0
    assert resolver.resolve("/item99-5/").func is views[99]
    assert resolver.resolve("/5.v99/").func is views[199]
    assert counting.calls == 2


def test_route_with_a_path_converter_keeps_its_place_in_declaration_order() -> None:
    resolver = Resolver(
        [path("<slug:s>/x/", a), path("<path:p>/x/", b), path("<slug:s>/y/<int:n>/", c)]
    )
    assert resolver.resolve("/q/x/").func is a
    assert resolver.resolve("/q/r/x/").kwargs == {"p": "q/r"}
    assert resolver.resolve("/q/y/1/x/").func is b  # b is declared before c and matches
    assert resolver.resolve("/q/y/1/").func is c


def test_declining_converter_hands_over_to_a_route_on_another_branch() -> None:
    class Even:
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValueError("odd")
            return int(value)

        def to_url(self, value: int) -> str:
            return str(value)

    from legato.urls.converters import register_converter

    register_converter(Even, "even_branch_test")
    resolver = Resolver([path("<even_branch_test:n>/<slug:s>/", a), path("<int:n>/x/", b)])
    assert resolver.resolve("/4/x/").func is a
    assert resolver.resolve("/3/x/").func is b


def test_re_path_keeps_its_place_among_indexed_routes() -> None:
    resolver = Resolver(
        [path("<slug:s>/x/", a), re_path(r"b/x/\Z", b), path("<int:n>/x/", c), re_path(r"^\d+/", d)]
    )
    assert resolver.resolve("/ab/x/").func is a
    assert resolver.resolve("/a.b/x/").func is b  # not a slug: the unanchored regex is next
    assert resolver.resolve("/1/y/").func is d

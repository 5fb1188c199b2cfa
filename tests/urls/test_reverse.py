"""reverse(): names, namespaces, converters, re_path templates, and every NoReverseMatch."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from legato.exceptions import ImproperlyConfigured
from legato.http.querydict import QueryDict
from legato.urls.patterns import include, path, re_path, websocket
from legato.urls.resolver import NoReverseMatch, Resolver
from legato.urls.reverse import (
    current_resolver,
    reverse,
    reverse_lazy,
    set_current_resolver,
)
from tests.urls.sample import shop_urls


def view(request: object, **kwargs: Any) -> None:
    return None


def other(request: object, **kwargs: Any) -> None:
    return None


async def chat(ws: object, **kwargs: Any) -> None:
    return None


blog = (
    [
        path("", view, name="index"),
        path("<int:year>/<slug:slug>/", view, name="post"),
        re_path(r"^archive/(?P<year>[0-9]{4})/$", view, name="archive"),
        re_path(r"^old/(\d+)/(\d+)/$", view, name="old"),
    ],
    "blog",
)

URLS = [
    path("", view, name="home"),
    path("items/<int:pk>/", other, name="item"),
    path("files/<path:rest>", view, name="file"),
    path("page/<str:title>/", view, name="page"),
    path("u/<uuid:key>/", view, name="key"),
    path("blog/", include(blog)),
    path("news/", include(blog, namespace="news")),
    path("api/<int:version>/", include(([path("me/", view, name="me")], "api"))),
    path("shop/", include(shop_urls)),
    websocket("ws/<slug:room>/", chat, name="chat"),
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(URLS)


def test_reverse_static_and_root(resolver: Resolver) -> None:
    assert resolver.reverse("home") == "/"
    assert resolver.reverse("blog:index") == "/blog/"


def test_reverse_with_kwargs_and_args(resolver: Resolver) -> None:
    assert resolver.reverse("item", kwargs={"pk": 3}) == "/items/3/"
    assert resolver.reverse("item", args=[3]) == "/items/3/"
    assert resolver.reverse("blog:post", args=(2024, "hi")) == "/blog/2024/hi/"


def test_reverse_uses_converter_to_url(resolver: Resolver) -> None:
    key = uuid.UUID("abcdef01-1234-5678-9abc-def012345678")
    assert resolver.reverse("key", kwargs={"key": key}) == f"/u/{key}/"


def test_reverse_nested_namespaces_and_prefix_parameters(resolver: Resolver) -> None:
    assert resolver.reverse("api:me", kwargs={"version": 2}) == "/api/2/me/"
    assert resolver.reverse("shop:product", kwargs={"pk": 9}) == "/shop/products/9/"


def test_reverse_instance_namespace_and_current_app(resolver: Resolver) -> None:
    assert resolver.reverse("news:index") == "/news/"
    assert resolver.reverse("blog:index") == "/blog/"  # the instance named like the app
    assert resolver.reverse("blog:index", current_app="news") == "/news/"


def test_reverse_app_name_defaults_to_last_deployed_instance() -> None:
    app = ([path("", view, name="index")], "app")
    resolver = Resolver([path("one/", include(app, "one")), path("two/", include(app, "two"))])
    assert resolver.reverse("app:index") == "/two/"
    assert resolver.reverse("app:index", current_app="one") == "/one/"
    assert resolver.reverse("one:index") == "/one/"


def test_reverse_three_level_namespace() -> None:
    inner = ([path("x/<int:n>/", view, name="leaf")], "inner")
    middle = ([path("m/", include(inner))], "middle")
    resolver = Resolver([path("o/", include(([path("", include(middle))], "outer")))])
    assert resolver.reverse("outer:middle:inner:leaf", args=[1]) == "/o/m/x/1/"


def test_reverse_by_view_callable_prefers_the_last_declared(resolver: Resolver) -> None:
    assert resolver.reverse(other, kwargs={"pk": 5}) == "/items/5/"
    assert resolver.reverse(view) == "/"  # the only argument-free route among root views


def test_same_name_picks_the_route_whose_arguments_fit() -> None:
    resolver = Resolver([path("a/<int:n>/", view, name="x"), path("a/", view, name="x")])
    assert resolver.reverse("x") == "/a/"
    assert resolver.reverse("x", args=[1]) == "/a/1/"


def test_same_name_same_arguments_reverses_to_the_last_declared_like_django() -> None:
    resolver = Resolver([path("first/", view, name="x"), path("second/", view, name="x")])
    assert resolver.reverse("x") == "/second/"


def test_reverse_re_path_named_and_unnamed_groups(resolver: Resolver) -> None:
    assert resolver.reverse("blog:archive", kwargs={"year": 2024}) == "/blog/archive/2024/"
    assert resolver.reverse("blog:old", args=[1, 2]) == "/blog/old/1/2/"


def test_reverse_re_path_unescapes_literals() -> None:
    resolver = Resolver([re_path(r"^a\.b\-c/(?P<x>\d+)\.json$", view, name="r")])
    assert resolver.reverse("r", kwargs={"x": 4}) == "/a.b-c/4.json"


def test_reverse_re_path_inlines_literal_non_capturing_groups_and_skips_lookarounds() -> None:
    resolver = Resolver([re_path(r"^(?:docs)/(?=v)(?P<v>v\d)/$", view, name="d")])
    assert resolver.reverse("d", kwargs={"v": "v2"}) == "/docs/v2/"


def test_reverse_percent_quotes_like_django(resolver: Resolver) -> None:
    assert resolver.reverse("page", kwargs={"title": "a b&c?é"}) == "/page/a%20b&c%3F%C3%A9/"
    assert resolver.reverse("file", kwargs={"rest": "x/~y:z@w"}) == "/files/x/~y:z@w"


def test_reverse_escapes_a_leading_double_slash(resolver: Resolver) -> None:
    resolver = Resolver([path("<path:p>", view, name="any")])
    assert resolver.reverse("any", kwargs={"p": "/evil.example"}) == "/%2Fevil.example"


def test_reverse_default_kwargs_must_match_or_be_omitted() -> None:
    resolver = Resolver([path("feed/", view, {"format": "rss"}, name="feed")])
    assert resolver.reverse("feed") == "/feed/"
    assert resolver.reverse("feed", kwargs={"format": "rss"}) == "/feed/"
    with pytest.raises(NoReverseMatch):
        resolver.reverse("feed", kwargs={"format": "atom"})


def test_reverse_websocket_route(resolver: Resolver) -> None:
    assert resolver.reverse("chat", kwargs={"room": "lobby"}) == "/ws/lobby/"


def test_mixing_args_and_kwargs_is_a_value_error(resolver: Resolver) -> None:
    with pytest.raises(ValueError, match="Don't mix"):
        resolver.reverse("item", args=[1], kwargs={"pk": 1})


def test_no_reverse_match_for_unknown_name(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("nope")
    assert str(caught.value) == (
        "Reverse for 'nope' not found. 'nope' is not a valid view function or pattern name."
    )


def test_no_reverse_match_for_unknown_view_callable(resolver: Resolver) -> None:
    def stray(request: object) -> None:
        return None

    with pytest.raises(NoReverseMatch, match=r"Reverse for 'tests\.urls\.test_reverse\.stray'"):
        resolver.reverse(stray)


def test_no_reverse_match_messages_follow_django(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("item", kwargs={"pk": "x"})
    assert str(caught.value) == (
        "Reverse for 'item' with keyword arguments '{'pk': 'x'}' not found. "
        "1 pattern(s) tried: ['items/<int:pk>/']"
    )
    with pytest.raises(NoReverseMatch, match=r"with arguments '\(1, 2\)' not found"):
        resolver.reverse("item", args=[1, 2])
    with pytest.raises(NoReverseMatch, match="with no arguments not found"):
        resolver.reverse("item")


def test_no_reverse_match_for_wrong_keyword_names(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch):
        resolver.reverse("item", kwargs={"id": 1})
    with pytest.raises(NoReverseMatch):
        resolver.reverse("item", kwargs={"pk": 1, "extra": 2})


def test_no_reverse_match_when_value_fails_the_route_regex(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch):
        resolver.reverse("page", kwargs={"title": "a/b"})
    with pytest.raises(NoReverseMatch):
        resolver.reverse("item", args=[-1])


def test_no_reverse_match_when_to_url_refuses() -> None:
    class Positive:
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            return int(value)

        def to_url(self, value: int) -> str:
            if value <= 0:
                raise ValueError("not positive")
            return str(value)

    from legato.urls.converters import register_converter

    register_converter(Positive, "positive_reverse_test")
    resolver = Resolver([path("p/<positive_reverse_test:n>/", view, name="p")])
    assert resolver.reverse("p", args=[2]) == "/p/2/"
    with pytest.raises(NoReverseMatch):
        resolver.reverse("p", args=[0])


def test_unregistered_namespace(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("missing:index")
    assert str(caught.value) == "'missing' is not a registered namespace"
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("blog:missing:index")
    assert str(caught.value) == "'missing' is not a registered namespace inside 'blog'"


def test_namespaced_name_is_not_reachable_without_its_namespace(resolver: Resolver) -> None:
    with pytest.raises(NoReverseMatch):
        resolver.reverse("post", args=(2024, "x"))


@pytest.mark.parametrize(
    ("regex", "url"),
    [
        (r"^a|b$", "/a"),
        (r"^a+/$", "/a/"),
        (r"^[ab]/$", "/a/"),
        (r"^a./$", "/a./"),
        (r"^\d/$", "/0/"),
        (r"(?x)^a / $", "/a/"),
        (r"^(?:a|b)/$", "/a/"),
    ],
)
def test_regex_constructs_reverse_as_django_normalizes_them(regex: str, url: str) -> None:
    assert Resolver([re_path(regex, view, name="r")]).reverse("r") == url


def test_unreversible_regex_says_why() -> None:
    resolver = Resolver([re_path(r"^(a)?(?(1)b|c)/$", view, name="r")])
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("r")
    assert "cannot be reversed: it uses a conditional group" in str(caught.value)


def test_to_url_returning_a_non_string_is_made_a_string() -> None:
    class Number:
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            return int(value)

        def to_url(self, value: int) -> int:
            return value  # Django formats it with "%s"

    from legato.urls.converters import register_converter

    register_converter(Number, "number_reverse_test")
    resolver = Resolver([path("n/<number_reverse_test:n>/", view, name="n")])
    assert resolver.reverse("n", args=[7]) == "/n/7/"


def test_no_reverse_match_lists_re_path_patterns_without_their_caret() -> None:
    inner = [re_path(r"^x/(?P<n>\d+)/$", view, name="x")]
    resolver = Resolver([re_path(r"^a/$", view, name="a"), re_path(r"^in/", include(inner))])
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("a", args=[1])
    assert str(caught.value).endswith("1 pattern(s) tried: ['a/$']")
    with pytest.raises(NoReverseMatch) as caught:
        resolver.reverse("x")
    assert str(caught.value).endswith("1 pattern(s) tried: ['in/x/(?P<n>\\\\d+)/$']")


def test_reverse_with_query_and_fragment() -> None:
    resolver = Resolver([re_path(r"^test/1/?", view, name="test")])

    def url(**options: Any) -> str:
        return reverse("test", urlconf=resolver, **options)

    assert url(query={"hello": "world", "foo": 123}) == "/test/1?hello=world&foo=123"
    for query in (
        [("hello", "world"), ("foo", 123), ("foo", 456)],
        (("hello", "world"), ("foo", 123), ("foo", 456)),
        {"hello": "world", "foo": (123, 456)},
    ):
        assert url(query=query) == "/test/1?hello=world&foo=123&foo=456"
    assert url(query={"a": "b c&d=é"}) == "/test/1?a=b+c%26d%3D%C3%A9"
    assert url(query=QueryDict("a=1&a=2&b=x y", mutable=False)) == "/test/1?a=1&a=2&b=x+y"
    assert url(query={}) == "/test/1"
    assert url(query=QueryDict()) == "/test/1"
    assert url(fragment="tab-1") == "/test/1#tab-1"
    assert url(fragment="tab 1 is the best!") == "/test/1#tab 1 is the best!"  # as Django
    assert url(fragment="") == "/test/1#"
    assert url(query={"hello": "world"}, fragment="tab-1") == "/test/1?hello=world#tab-1"


@pytest.mark.parametrize("fragment", [0, False, {}, [], set(), ()])
def test_reverse_with_a_fragment_that_is_not_text_is_a_type_error(fragment: Any) -> None:
    resolver = Resolver([path("test/", view, name="test")])
    with pytest.raises(TypeError):
        reverse("test", urlconf=resolver, fragment=fragment)


@pytest.mark.parametrize("query", [0, False, "a=1", [1, 2]])
def test_reverse_with_a_query_that_is_no_mapping_or_pairs_is_a_type_error(query: Any) -> None:
    resolver = Resolver([path("test/", view, name="test")])
    with pytest.raises(TypeError):
        reverse("test", urlconf=resolver, query=query)


def test_reverse_lazy_takes_query_and_fragment(resolver: Resolver) -> None:
    lazy = reverse_lazy("item", urlconf=resolver, args=[4], query={"q": 1}, fragment="f")
    assert str(lazy) == "/items/4/?q=1#f"


def test_reverse_round_trips_resolve(resolver: Resolver) -> None:
    for url in ("/", "/items/3/", "/blog/2024/hello/", "/news/archive/1999/", "/api/4/me/"):
        match = resolver.resolve(url)
        assert resolver.reverse(match.view_name, args=match.args, kwargs=match.kwargs) == url
    match = resolver.resolve("/blog/old/1/22/")
    assert resolver.reverse(match.view_name, args=match.args) == "/blog/old/1/22/"


def test_module_reverse_outside_a_request_needs_urlconf() -> None:
    with pytest.raises(ImproperlyConfigured, match="urlconf=app"):
        reverse("home")


def test_module_reverse_accepts_every_kind_of_urlconf(resolver: Resolver) -> None:
    class FakeApp:
        def __init__(self, resolver: Resolver) -> None:
            self.resolver = resolver

    assert reverse("item", urlconf=resolver, args=[1]) == "/items/1/"
    assert reverse("item", urlconf=FakeApp(resolver), args=[1]) == "/items/1/"
    assert reverse("item", urlconf=URLS, args=[1]) == "/items/1/"
    assert reverse("product", "tests.urls.sample.shop_urls", kwargs={"pk": 2}) == "/products/2/"
    with pytest.raises(ImproperlyConfigured, match="not a URL table"):
        reverse("item", urlconf=42)


def test_module_reverse_uses_the_current_resolver(resolver: Resolver) -> None:
    token = set_current_resolver(resolver)
    try:
        assert reverse("item", args=[8]) == "/items/8/"
    finally:
        current_resolver.reset(token)
    assert current_resolver.get() is None


def test_current_resolver_is_per_task() -> None:
    first = Resolver([path("one/", view, name="x")])
    second = Resolver([path("two/", view, name="x")])

    async def serve(resolver: Resolver) -> str:
        set_current_resolver(resolver)
        await asyncio.sleep(0)
        return reverse("x")

    async def main() -> list[str]:
        return list(await asyncio.gather(serve(first), serve(second)))

    assert asyncio.run(main()) == ["/one/", "/two/"]


def test_reverse_lazy_resolves_when_used(resolver: Resolver) -> None:
    lazy = reverse_lazy("item", args=[4])
    token = set_current_resolver(resolver)
    try:
        assert str(lazy) == "/items/4/"
        assert lazy == "/items/4/"
        assert f"{lazy}?q=1" == "/items/4/?q=1"
        assert lazy + "#top" == "/items/4/#top"
        assert "x" + lazy == "x/items/4/"
    finally:
        current_resolver.reset(token)
    assert str(reverse_lazy("item", urlconf=resolver, args=[5])) == "/items/5/"

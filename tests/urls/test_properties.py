"""Properties: reverse and resolve are inverse; resolve only ever fails with Resolver404;
the compiled resolver answers what a scan of the routes in declaration order answers."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legato.urls._endpoint import compile_endpoint
from legato.urls._tree import FlatRoute, flatten
from legato.urls.converters import register_converter
from legato.urls.patterns import RoutePattern, include, path, re_path, websocket
from legato.urls.resolver import Resolver, Resolver404


def view(request: object, **kwargs: Any) -> None:
    return None


async def chat(ws: object, **kwargs: Any) -> None:
    return None


RESOLVER = Resolver(
    [
        path("", view, name="home"),
        path("n/<int:value>/", view, name="int"),
        path("s/<slug:value>/", view, name="slug"),
        path("u/<uuid:value>/", view, name="uuid"),
        path("t/<str:value>/", view, name="str"),
        path("p/<path:value>", view, name="path"),
        path("mix/<int:a>-<slug:b>/", view, name="mix"),
        re_path(r"^r/(?P<year>[0-9]{4})/(\d+)?$", view, name="re"),
        re_path(r"^old/(\d+)/(\d+)/$", view, name="old"),
        path("in/<slug:org>/", include(([path("<int:pk>/", view, name="leaf")], "ns"))),
        re_path(r"(?i)^CASE/(?P<x>[a-z]+)/$", view),
        websocket("ws/<slug:room>/", chat),
    ]
)

SLUGS = st.from_regex(r"[-a-zA-Z0-9_]+", fullmatch=True)
INTS = st.integers(min_value=0, max_value=10**30)


def round_trip(name: str, **kwargs: Any) -> dict[str, Any]:
    url = RESOLVER.reverse(name, kwargs=kwargs)
    match = RESOLVER.resolve(url)
    assert match.view_name == name
    assert RESOLVER.reverse(match.view_name, kwargs=match.kwargs) == url
    return match.kwargs


@given(INTS)
def test_int_round_trips(value: int) -> None:
    assert round_trip("int", value=value) == {"value": value}


@given(SLUGS)
def test_slug_round_trips(value: str) -> None:
    assert round_trip("slug", value=value) == {"value": value}


@given(st.uuids())
def test_uuid_round_trips(value: uuid.UUID) -> None:
    assert round_trip("uuid", value=value) == {"value": value}


@given(INTS, SLUGS, SLUGS)
def test_values_round_trip_through_prefix_and_namespace(pk: int, org: str, b: str) -> None:
    assert round_trip("ns:leaf", org=org, pk=pk) == {"org": org, "pk": pk}
    assert round_trip("mix", a=pk, b=b) == {"a": pk, "b": b}


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/\n")))
def test_str_round_trips_through_percent_quoting(value: str) -> None:
    # reverse() percent-quotes; the server decodes before resolve() sees the path.
    from urllib.parse import unquote

    if not value:
        return
    url = RESOLVER.reverse("str", kwargs={"value": value})
    assert RESOLVER.resolve(unquote(url)).kwargs == {"value": value}


@settings(max_examples=500)
@given(st.text())
def test_resolve_only_raises_resolver404(text: str) -> None:
    for candidate in (text, "/" + text):
        for resolve in (RESOLVER.resolve, RESOLVER.resolve_websocket):
            try:
                match = resolve(candidate)
            except Resolver404:
                continue
            assert callable(match.func)
        RESOLVER.should_append_slash(candidate)


@given(st.lists(st.sampled_from(["n", "s", "u", "in", "x", "0", "-", "CASE", "ab"]), max_size=5))
def test_resolve_only_raises_resolver404_on_path_like_text(segments: list[str]) -> None:
    for candidate in ("/" + "/".join(segments), "/" + "/".join(segments) + "/"):
        with contextlib.suppress(Resolver404):
            RESOLVER.resolve(candidate)


# Random URL tables against a naive scan: the compiled resolver (static dict, segment
# index) must answer exactly what trying every route in declaration order answers.


class EvenConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if int(value) % 2:
            raise ValueError("odd: not this route")
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class WordsConverter:
    regex = "[a-z]+(?:/[a-z]+)*"  # spans segments: the route falls back to its prefix

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(EvenConverter, "even_props")
register_converter(WordsConverter, "words_props")

ROUTE_SEGMENTS = (
    "a",
    "b",
    "ab",
    "",
    "<int:{}>",
    "<slug:{}>",
    "<str:{}>",
    "<path:{}>",
    "<uuid:{}>",
    "<even_props:{}>",
    "<words_props:{}>",
    "a<int:{}>",
    "<int:{}>b",
    "<int:{}>-<slug:{}>",
)
ENDPOINT_REGEXES = (
    r"^a/(?P<{}>[0-9]+)/$",
    r"^(?P<{}>[ab]+)/",
    r"b/\Z",
    r"(?i)^A/$",
    r"^a/b/$",
    r"^(\d+)/$",
    r"^ab",
    r"(?P<{}>1)?b/$",
)
PREFIX_REGEXES = (r"^a/", r"^(?P<{}>[0-9]+)/", r"(?P<{}>b)/", r"^ab")
UUID_TEXT = "12345678-1234-5678-1234-567812345678"
PATH_SEGMENTS = ("a", "b", "ab", "A", "1", "2", "12", "a1", "2b", "3-x", "x.y", "", UUID_TEXT)


class Names:
    """Fresh parameter names, so that no route captures one name twice."""

    def __init__(self) -> None:
        self.count = 0

    def fill(self, text: str) -> str:
        while "{}" in text:
            text = text.replace("{}", f"p{self.count}", 1)
            self.count += 1
        return text


@st.composite
def route_text(draw: st.DrawFn, names: Names, prefix: bool) -> str:
    segments = draw(st.lists(st.sampled_from(ROUTE_SEGMENTS), max_size=3))
    if segments and not segments[0]:
        segments[0] = "a"  # a route may not start with "/"
    text = "/".join(segments)
    if text and (prefix or draw(st.booleans())):
        text += "/"
    return names.fill(text)


@st.composite
def url_table(draw: st.DrawFn, names: Names, depth: int = 0) -> list[Any]:
    table: list[Any] = []
    for _ in range(draw(st.integers(0, 6 if depth else 10))):
        kind = draw(st.sampled_from(("path", "path", "path", "re_path", "include")))
        view_ = make_view(str(names.count))
        names.count += 1
        if kind == "path":
            table.append(path(draw(route_text(names, prefix=False)), view_))
        elif kind == "re_path":
            table.append(re_path(names.fill(draw(st.sampled_from(ENDPOINT_REGEXES))), view_))
        elif depth < 2:
            inner = include(draw(url_table(names, depth + 1)))
            if draw(st.booleans()):
                table.append(path(draw(route_text(names, prefix=True)), inner))
            else:
                table.append(re_path(names.fill(draw(st.sampled_from(PREFIX_REGEXES))), inner))
    return table


def make_view(label: str) -> Any:
    def routed(request: object, **kwargs: Any) -> None:
        return None

    routed.__name__ = routed.__qualname__ = f"view_{label}"
    return routed


def naive_resolve(routes: list[FlatRoute], text: str) -> tuple[FlatRoute, dict[str, Any]] | None:
    """Django's algorithm: each route in order, each level matching what the one above left."""
    if not text.startswith("/"):
        return None
    for route in routes:
        position, captured = 1, {}
        for level in route.levels:
            found = level.pattern.match_at(text, position)
            if found is None:
                break
            position, _, kwargs = found
            captured.update(kwargs)
        else:
            return route, captured
    return None


def check_against_naive_scan(resolver: Resolver, routes: list[FlatRoute], text: str) -> None:
    expected = naive_resolve(routes, text)
    try:
        match = resolver.resolve(text)
    except Resolver404:
        assert expected is None, f"{text!r} should resolve to {expected[0].text!r}"
        return
    assert expected is not None, f"{text!r} resolved to {match.route!r}; a scan finds nothing"
    route, captured = expected
    assert (match.func, match.route, match.captured_kwargs) == (route.view, route.text, captured)
    endpoint_found = compile_endpoint(route, None).match(text)
    assert endpoint_found is not None
    assert (match.args, match.kwargs) == endpoint_found[:2]


PATHS = st.lists(st.sampled_from(PATH_SEGMENTS), max_size=5).map(lambda p: "/" + "/".join(p))
# Values each converter's regex accepts, chosen to collide with other routes' literals.
SAMPLES = {
    "[0-9]+": ("1", "12", "2", "3"),
    "[-a-zA-Z0-9_]+": ("a", "ab", "a1", "2"),
    "[^/]+": ("x.y", "ab", "1"),
    ".+": ("a/b", "ab", "1/2/", "b"),
    "[a-z]+(?:/[a-z]+)*": ("ab/b", "a", "b/a/b"),
}


@st.composite
def path_of(draw: st.DrawFn, route: FlatRoute) -> str:
    """A path the route may match: its text with sample values, a regex level drawn from it."""
    pieces = ["/"]
    for level in route.levels:
        pattern = level.pattern
        if isinstance(pattern, RoutePattern):
            for part in pattern.parts:
                if isinstance(part, str):
                    pieces.append(part)
                else:
                    regex = pattern.converters[str(part.name)].regex
                    pieces.append(draw(st.sampled_from(SAMPLES.get(regex, (UUID_TEXT,)))))
        else:
            regex = pattern.regex_text.removeprefix("^").removesuffix("$").removesuffix("\\Z")
            pieces.append(draw(st.from_regex(regex, fullmatch=True, alphabet="ab12/AB")))
    text = "".join(pieces)
    return draw(st.sampled_from((text, text + "/", text.removesuffix("/"))))


def request_paths(routes: list[FlatRoute]) -> st.SearchStrategy[str]:
    if not routes:
        return PATHS
    return st.one_of(PATHS, st.sampled_from(routes).flatmap(path_of))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_resolver_answers_what_a_scan_in_declaration_order_answers(data: st.DataObject) -> None:
    table = data.draw(url_table(Names()))
    resolver = Resolver(table)
    routes = [route for route in flatten(table)[0] if route.kind == "http"]
    for text in data.draw(st.lists(request_paths(routes), min_size=1, max_size=15)):
        check_against_naive_scan(resolver, routes, text)
        expected_slash = (
            not text.endswith("/")
            and naive_resolve(routes, text) is None
            and naive_resolve(routes, text + "/") is not None
        )
        assert resolver.should_append_slash(text) == expected_slash

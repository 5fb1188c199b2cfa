"""Properties: reverse and resolve are inverse; resolve only ever fails with Resolver404."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legato.urls.patterns import include, path, re_path, websocket
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

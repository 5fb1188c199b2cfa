"""Route keys describe the segments of every path a route matches; the segment index
returns exactly the items whose key a path satisfies, in order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.urls._segments import RouteKey, Segment, SegmentIndex, route_key
from legato.urls._tree import flatten
from legato.urls.patterns import include, path, re_path


def view(request: object, **kwargs: Any) -> None:
    return None


def key_of(route: Any) -> RouteKey:
    flat, _ = flatten([route])
    return route_key(flat[0].levels)


def part(start: str = "", end: str = "") -> Segment:
    return Segment(start, exact=False, end=end)


@pytest.mark.parametrize(
    ("route", "key"),
    [
        (path("items/<int:pk>/", view), RouteKey((Segment("items"), part(), Segment("")))),
        (path("<slug:s>/x1/", view), RouteKey((part(), Segment("x1"), Segment("")))),
        (path("item<int:pk>.json", view), RouteKey((part("item", ".json"),))),
        (path("<int:a>-<slug:b>.x/", view), RouteKey((part("", ".x"), Segment("")))),
        (path("a/<path:p>/end/", view), RouteKey((Segment("a"),), rest="")),
        (path("a/v<path:p>", view), RouteKey((Segment("a"),), rest="v")),
        (re_path(r"^legacy/(?P<pk>[0-9]+)/$", view), RouteKey((Segment("legacy"),), rest="")),
        (re_path(r"^about/$", view), RouteKey((Segment("about"), Segment("")))),
        (re_path(r"about/\Z", view), RouteKey((), rest="")),  # searched anywhere
        (re_path(r"(?i)^about/$", view), RouteKey((), rest="")),
        (
            path("<slug:org>/g/", include([path("x<int:pk>/", view)])),
            RouteKey((part(), Segment("g"), part("x"), Segment(""))),
        ),
        (
            re_path(r"^api/v(?P<v>[12])/", include([path("<int:pk>/", view)])),
            RouteKey((Segment("api"),), rest="v"),
        ),
    ],
)
def test_route_key(route: Any, key: RouteKey) -> None:
    assert key_of(route) == key


def test_custom_converter_that_may_match_a_slash_opens_the_key() -> None:
    from legato.urls.converters import register_converter

    class Words:
        regex = "[a-z]+(?:/[a-z]+)*"

        def to_python(self, value: str) -> str:
            return value

        def to_url(self, value: str) -> str:
            return value

    register_converter(Words, "words_segments_test")
    key = key_of(path("w/<words_segments_test:w>/end/", view))
    assert key == RouteKey((Segment("w"),), rest="")


def test_candidates_follow_every_branch_a_segment_allows_in_rank_order() -> None:
    index = SegmentIndex(
        [
            (RouteKey((part(), Segment("x"))), 0),
            (RouteKey((Segment("a"), Segment("x"))), 1),
            (RouteKey((part("a"), Segment("x"))), 2),
            (RouteKey((part("", "b"), Segment("x"))), 3),
            (RouteKey((Segment("a"),), rest="x"), 4),
            (RouteKey((), rest=""), 5),
            (RouteKey((part(), Segment("y"))), 6),
        ]
    )
    assert index.candidates("/a/x") == (0, 1, 2, 4, 5)
    assert index.candidates("/ab/x") == (0, 2, 3, 5)
    assert index.candidates("/zb/x") == (0, 3, 5)
    assert index.candidates("/zb/y") == (5, 6)
    assert index.candidates("/a/x/more") == (4, 5)
    assert index.candidates("a/x") == ()  # no leading "/"
    assert index.candidates("") == ()


def test_open_key_needs_a_segment_after_its_own() -> None:
    index = SegmentIndex([(RouteKey((Segment("a"),), rest=""), 0)])
    assert index.candidates("/a") == ()
    assert index.candidates("/a/") == (0,)
    assert index.candidates("/a/b/c") == (0,)


def test_deep_keys_do_not_hit_the_recursion_limit() -> None:
    deep = RouteKey(tuple(Segment("a") for _ in range(3000)))
    index = SegmentIndex([(deep, 0)])
    assert index.candidates("/" + "/".join(["a"] * 3000)) == (0,)


def allows(key: RouteKey, path: str) -> bool:
    """A naive reading of a key, as the index applies it: a converter segment is checked by
    its literal start when it has one, else by its literal end."""
    if not path.startswith("/"):
        return False
    parts = path[1:].split("/")
    count = len(key.segments)
    if len(parts) < count or (key.rest is None and len(parts) != count):
        return False
    if key.rest is not None and len(parts) == count:
        return False
    for segment, text in zip(key.segments, parts, strict=False):
        if segment.exact:
            if text != segment.text:
                return False
        elif not (text.startswith(segment.text) if segment.text else text.endswith(segment.end)):
            return False
    return key.rest is None or "/".join(parts[count:]).startswith(key.rest)


TEXT = st.sampled_from(["", "a", "b", "ab", "ba"])
SEGMENT = st.one_of(
    st.builds(Segment, TEXT),
    st.builds(part, TEXT),
    st.builds(lambda end: part("", end), TEXT),
)
KEY = st.builds(
    RouteKey, st.lists(SEGMENT, max_size=4).map(tuple), st.one_of(st.none(), TEXT)
).filter(lambda key: key.segments or key.rest is not None)
PATH = st.lists(TEXT, max_size=6).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=300)
@given(st.lists(KEY, max_size=25), st.lists(PATH, min_size=1, max_size=10))
def test_candidates_equal_a_filtered_scan(keys: list[RouteKey], paths: list[str]) -> None:
    index = SegmentIndex((key, rank) for rank, key in enumerate(keys))
    for text in paths:
        expected = tuple(rank for rank, key in enumerate(keys) if allows(key, text))
        assert index.candidates(text) == expected

"""The regex scanners: literal prefix, whole-literal detection, and whether a converter's
regex can match a "/". Reverse forms are tested in test_normalize.py."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.urls._regex import RegexShape, analyse, stays_in_segment


def shape(regex: str, endpoint: bool = True) -> RegexShape:
    return analyse(regex, re.compile(regex), endpoint)


@pytest.mark.parametrize(
    ("regex", "prefix"),
    [
        (r"^blog/(?P<y>\d+)/$", "blog/"),
        (r"^a\.b\-c/(\d+)$", "a.b-c/"),
        (r"^abc?/$", "ab"),
        (r"^ab{2}/$", "a"),
        (r"blog/(\d+)/$", "blog/"),  # endpoint ending in $: Django fullmatches, so anchored
        (r"blog/(\d+)/\Z", ""),  # searched anywhere
        (r"^a|^b", ""),
        (r"(?i)^abc/$", ""),
        (r"\Aabc/", "abc/"),
        (r"^(?#note)abc", "abc"),
        (r"^[a]bc", ""),
    ],
)
def test_literal_prefix(regex: str, prefix: str) -> None:
    assert shape(regex).literal_prefix == prefix


@pytest.mark.parametrize(
    ("regex", "endpoint", "literal"),
    [
        (r"^about/$", True, "about/"),
        (r"about/$", True, "about/"),
        (r"^about/\Z", True, "about/"),
        (r"^about/", True, None),  # an endpoint without an end anchor matches a prefix
        (r"^about/", False, "about/"),  # an include prefix: literal prefix text
        (r"^about/$", False, None),
        (r"^price\$$", True, "price$"),
        (r"^a.b/$", True, None),
        (r"(?i)^about/$", True, None),
    ],
)
def test_whole_literal(regex: str, endpoint: bool, literal: str | None) -> None:
    assert shape(regex, endpoint).literal == literal


LITERALS = st.sampled_from(["a", "b", "z", "/", "-", "_", "~", r"\.", r"\-", r"\/", "é"])
PIECES = st.one_of(
    LITERALS,
    st.sampled_from(
        [
            "(?P<g{n}>[0-9]+)",
            "([a-c]+)",
            "(?:ab)",
            "a?",
            "b*",
            "[xy]",
            ".",
            r"\d",
            "(?=a)",
        ]
    ),
)


@st.composite
def regexes(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(PIECES, max_size=8))
    body = "".join(piece.replace("{n}", str(index)) for index, piece in enumerate(pieces))
    if draw(st.booleans()):
        body = body + "|" + draw(LITERALS)
    return draw(st.sampled_from(["", "^"])) + body + draw(st.sampled_from(["", "$", r"\Z"]))


@settings(max_examples=300, deadline=None)
@given(st.data(), regexes(), st.booleans())
def test_every_match_starts_with_the_literal_prefix(
    data: st.DataObject, regex: str, endpoint: bool
) -> None:
    compiled = re.compile(regex)
    found = shape(regex, endpoint)
    text = data.draw(st.from_regex(compiled))
    fullmatch = endpoint and regex.endswith("$")
    match = compiled.fullmatch(text) if fullmatch else compiled.search(text)
    if match is None or not found.anchored:
        return
    assert text.startswith(found.literal_prefix)
    if found.literal is not None and endpoint:
        assert text == found.literal


SEGMENT_BOUND = [
    "[0-9]+",  # int
    "[-a-zA-Z0-9_]+",  # slug
    "[^/]+",  # str
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",  # uuid
    r"\d{4}",
    r"[\w.-]+",
    r"[^/a]+",
    r"(?:ab|c)+\.json",
    r"x(?=/)",  # a lookahead may see the "/" but does not consume it
    r"(a)?(?(1)b|c)",
    r"(?>ab)+",
    r"(?i)[a-z]+",
    r"\s*",
]
MAY_SPAN = [
    ".+",  # path
    r"\S+",
    r"\W",
    "[^a]+",
    "(?:a|/)+",
    "[+-0]",  # the range holds "/"
    r"\x2f",
    r"\D+",
    r"[^\W]+",  # word characters, but the scanner only trusts [^...] that names "/"
    "(",  # not a regex at all
]


@pytest.mark.parametrize("regex", SEGMENT_BOUND)
def test_stays_in_segment_for_regexes_that_cannot_match_a_slash(regex: str) -> None:
    assert stays_in_segment(regex)


@pytest.mark.parametrize("regex", MAY_SPAN)
def test_stays_in_segment_is_false_when_a_match_may_hold_a_slash(regex: str) -> None:
    assert not stays_in_segment(regex)


# Hypothesis cannot generate text for the lookahead and the conditional group.
@pytest.mark.parametrize("regex", [r for r in SEGMENT_BOUND if not r.startswith(("x(?=", "(a)?"))])
@settings(max_examples=50)
@given(data=st.data())
def test_segment_bound_regexes_never_generate_a_slash(regex: str, data: st.DataObject) -> None:
    assert "/" not in data.draw(st.from_regex(regex, fullmatch=True))

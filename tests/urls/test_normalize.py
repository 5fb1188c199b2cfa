"""The re_path() reverse forms: Django's normalize() rules, Django's own reverse table, and
the property that every URL built from a form resolves back to its route and arguments."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.urls import include, path, re_path
from legato.urls._normalize import MAX_FORMS, Form, normalize
from legato.urls._regex import Param
from legato.urls.resolver import NoReverseMatch, Resolver


def forms(regex: str) -> tuple[Form, ...]:
    result = normalize(regex)
    assert result.forms is not None, result.unreversible
    return result.forms


def view(request: object, *args: Any, **kwargs: Any) -> None:
    return None


# ---------------------------------------------------------------- Django's rules, one each


def test_literal_text_and_groups_in_order() -> None:
    assert forms(r"^a/(?P<x>\d+)/(\d+)\.json$") == (
        ("a/", Param("x"), "/", Param(None, 0), ".json"),
    )


def test_unnamed_groups_are_numbered_in_the_order_they_open() -> None:
    assert forms(r"(a)(?:(b))?(c)") == (
        (Param(None, 0), Param(None, 2)),
        (Param(None, 0), Param(None, 1), Param(None, 2)),
    )
    assert normalize(r"(a)(?:(b))?(c)").unnamed == 3


def test_optional_part_with_a_group_gives_without_then_with() -> None:
    assert forms(r"^o/(?P<a>\d+)/(?:(?P<b>\d+)/)?$") == (
        ("o/", Param("a"), "/"),
        ("o/", Param("a"), "/", Param("b"), "/"),
    )


def test_optional_part_without_a_group_is_dropped() -> None:
    assert forms(r"^places?/$") == (("place/",),)
    assert forms(r"^(?:places/)*$") == (("",),) or forms(r"^(?:places/)*$") == ((),)


def test_repeats_keep_their_minimum() -> None:
    assert forms(r"^a+/b{2,4}/c{3}/d*?/$") == (("a/bb/ccc//",),)


def test_classes_give_their_first_member() -> None:
    assert forms(r"[abc0-9]") == (("a",),)
    assert forms(r"[0-9a-f]") == (("0",),)
    assert forms(r"[\w]") == (("x",),)
    assert forms(r"[$]") == (("$",),)


def test_negated_classes_give_a_character_they_accept() -> None:
    assert forms(r"[^/]") == (("^",),)  # Django's choice
    assert forms(r"[^^]") == (("x",),)
    assert forms(r"[^\^x]") == (("0",),)
    assert forms(r"[^\W]") == (("x",),)


@pytest.mark.parametrize(
    ("escape", "text"),
    [(r"\d", "0"), (r"\D", "x"), (r"\s", " "), (r"\S", "x"), (r"\w", "x"), (r"\W", "!")],
)
def test_escapes_give_a_character_of_their_kind(escape: str, text: str) -> None:
    assert forms(escape) == ((text,),)


def test_dot_gives_a_dot_and_escaped_characters_themselves() -> None:
    assert forms(r"a.b\.c\$\(") == (("a.b.c$(",),)


def test_anchors_and_lookarounds_give_nothing() -> None:
    assert forms(r"^\Aa\b(?=b)(?!c)(?<=a)(?<!z)\Bz\Z") == (("az",),)


def test_alternatives_give_their_forms_in_order() -> None:
    assert forms(r"^(?:en|fr|de)/$") == (("en/",), ("fr/",), ("de/",))
    assert forms(r"^(?:(?P<a>\d+)|x(?P<b>\w+))/$") == (
        (Param("a"), "/"),
        ("x", Param("b"), "/"),
    )


def test_backreference_repeats_the_argument() -> None:
    assert forms(r"^(?P<name>\w+)-(?P=name)/(\d)\2$") == (
        (Param("name"), "-", Param("name"), "/", Param(None, 0), Param(None, 0)),
    )


def test_groups_inside_a_capturing_group_are_not_parameters() -> None:
    assert forms(r"^(?P<outer>(?P<inner>\w+)/)?$") == ((), (Param("outer"),))


def test_verbose_flag_and_comments_are_understood() -> None:
    assert forms(r"(?x) ^ a / (?P<n> \d+ ) / $  # the item") == (("a/", Param("n"), "/"),)
    assert forms(r"^a(?#note)/$") == (("a/",),)


def test_conditional_group_cannot_be_reversed() -> None:
    result = normalize(r"^(a)?(?(1)b|c)$")
    assert result.forms is None
    assert "conditional group" in str(result.unreversible)


def test_reference_into_a_nested_group_cannot_be_reversed() -> None:
    result = normalize(r"^((a))\2$")
    assert result.forms is None
    assert "inside another capturing group" in str(result.unreversible)


def test_forms_are_capped() -> None:
    regex = "".join(f"(?:(?P<g{n}>a)/)?" for n in range(12))  # 4,096 combinations
    assert len(forms(regex)) == MAX_FORMS


# ---------------------------------------------------------------- Django's reverse table

# Django's tests/urlpatterns_reverse/urls.py, the routes its test_data reverses.
INCLUDED = [
    re_path(r"^$", view, name="inner-nothing"),
    re_path(r"^extra/(?P<extra>\w+)/$", view, name="inner-extra"),
    re_path(r"^(?P<one>[0-9]+)|(?P<two>[0-9]+)/$", view, name="inner-disjunction"),
]
INCLUDED2 = [
    re_path(r"^part/(?P<value>\w+)/$", view, name="part"),
    re_path(r"^part2/(?:(?P<value>\w+)/)?$", view, name="part2"),
]
EXTRA = [
    re_path(r"^e-places/([0-9]+)/$", view, name="extra-places"),
    re_path(r"^e-people/(?P<name>\w+)/$", view, name="extra-people"),
    path("", include(INCLUDED2)),
    re_path(r"^prefix/(?P<prefix>\w+)/", include(INCLUDED2)),
]
DJANGO_URLS = [
    re_path(r"^places/([0-9]+)/$", view, name="places"),
    re_path(r"^places?/$", view, name="places?"),
    re_path(r"^places+/$", view, name="places+"),
    re_path(r"^places*/$", view, name="places*"),
    re_path(r"^(?:places/)?$", view, name="places2?"),
    re_path(r"^(?:places/)+$", view, name="places2+"),
    re_path(r"^(?:places/)*$", view, name="places2*"),
    re_path(r"^places/([0-9]+|[a-z_]+)/", view, name="places3"),
    re_path(r"^places/(?P<id>[0-9]+)/$", view, name="places4"),
    re_path(r"^people/(?P<name>\w+)/$", view, name="people"),
    re_path(r"^people/(?:name/)$", view, name="people2"),
    re_path(r"^people/(?:name/(\w+)/)?$", view, name="people2a"),
    re_path(r"^people/(?P<name>\w+)-(?P=name)/$", view, name="people_backref"),
    re_path(r"^optional/(?P<name>.*)/(?:.+/)?", view, name="optional"),
    re_path(r"^optional/(?P<arg1>\d+)/(?:(?P<arg2>\d+)/)?", view, name="named_optional"),
    re_path(
        r"^optional/(?P<arg1>\d+)/(?:(?P<arg2>\d+)/)?$", view, name="named_optional_terminated"
    ),
    re_path(r"^nested/noncapture/(?:(?P<p>\w+))$", view, name="nested-noncapture"),
    re_path(r"^nested/capture/((\w+)/)?$", view, name="nested-capture"),
    re_path(r"^nested/capture/mixed/((?P<p>\w+))$", view, name="nested-mixedcapture"),
    re_path(
        r"^nested/capture/named/(?P<outer>(?P<inner>\w+)/)?$", view, name="nested-namedcapture"
    ),
    re_path(r"^hardcoded/$", view, name="hardcoded"),
    re_path(r"^hardcoded/doc\.pdf$", view, name="hardcoded2"),
    re_path(r"^people/(?P<state>\w\w)/(?P<name>\w+)/$", view, name="people3"),
    re_path(r"^people/(?P<state>\w\w)/(?P<name>[0-9])/$", view, name="people4"),
    re_path(r"^people/((?P<state>\w\w)/test)?/(\w+)/$", view, name="people6"),
    re_path(r"^character_set/[abcdef0-9]/$", view, name="range"),
    re_path(r"^character_set/[\w]/$", view, name="range2"),
    re_path(r"^price/\$([0-9]+)/$", view, name="price"),
    re_path(r"^price/[$]([0-9]+)/$", view, name="price2"),
    re_path(r"^price/[\$]([0-9]+)/$", view, name="price3"),
    re_path(
        r"^product/(?P<product>\w+)\+\(\$(?P<price>[0-9]+(\.[0-9]+)?)\)/$", view, name="product"
    ),
    re_path(
        r"^headlines/(?P<year>[0-9]+)\.(?P<month>[0-9]+)\.(?P<day>[0-9]+)/$",
        view,
        name="headlines",
    ),
    re_path(r"^windows_path/(?P<drive_name>[A-Z]):\\(?P<path>.+)/$", view, name="windows"),
    re_path(r"^special_chars/(?P<chars>.+)/$", view, name="special"),
    re_path(r"^(?P<name>.+)/[0-9]+/$", view, name="mixed"),
    re_path(r"^repeats/a{1,2}/$", view, name="repeats"),
    re_path(r"^repeats/a{2,4}/$", view, name="repeats2"),
    re_path(r"^repeats/a{2}/$", view, name="repeats3"),
    re_path(r"^test/1/?", view, name="test"),
    re_path(r"^outer/(?P<outer>[0-9]+)/", include(INCLUDED)),
    re_path(
        r"^outer-no-kwargs/([0-9]+)/",
        include([re_path(r"^inner-no-kwargs/([0-9]+)/$", view, name="inner-no-kwargs")]),
    ),
    re_path("", include(EXTRA)),
    re_path(r"^(?:foo|bar)(\w+)/$", view, name="disjunction"),
    re_path(r"^defaults_view1/(?P<arg1>[0-9]+)/$", view, {"arg2": 1}, name="defaults"),
    re_path(r"^defaults_view2/(?P<arg1>[0-9]+)/$", view, {"arg2": 2}, name="defaults"),
    path("includes/", include([path("non_path_include/", view, name="non_path_include")])),
    re_path("(.+)/security/$", view, name="security"),
]

# Django's test_data, row for row; the two rows marked differ on purpose: Django refuses
# an alternation outside a capturing group, Legato reverses its first alternative that
# fits (and the URL resolves back to the same route and arguments).
DJANGO_TABLE: list[tuple[str, str | None, list[Any], dict[str, Any]]] = [
    ("places", "/places/3/", [3], {}),
    ("places", "/places/3/", ["3"], {}),
    ("places", None, ["a"], {}),
    ("places", None, [], {}),
    ("places?", "/place/", [], {}),
    ("places+", "/places/", [], {}),
    ("places*", "/place/", [], {}),
    ("places2?", "/", [], {}),
    ("places2+", "/places/", [], {}),
    ("places2*", "/", [], {}),
    ("places3", "/places/4/", [4], {}),
    ("places3", "/places/harlem/", ["harlem"], {}),
    ("places3", None, ["harlem64"], {}),
    ("places4", "/places/3/", [], {"id": 3}),
    ("people", None, [], {}),
    ("people", "/people/adrian/", ["adrian"], {}),
    ("people", "/people/adrian/", [], {"name": "adrian"}),
    ("people", None, ["name with spaces"], {}),
    ("people", None, [], {"name": "name with spaces"}),
    ("people2", "/people/name/", [], {}),
    ("people2a", "/people/name/fred/", ["fred"], {}),
    ("people_backref", "/people/nate-nate/", ["nate"], {}),
    ("people_backref", "/people/nate-nate/", [], {"name": "nate"}),
    ("optional", "/optional/fred/", [], {"name": "fred"}),
    ("optional", "/optional/fred/", ["fred"], {}),
    ("named_optional", "/optional/1/", [1], {}),
    ("named_optional", "/optional/1/", [], {"arg1": 1}),
    ("named_optional", "/optional/1/2/", [1, 2], {}),
    ("named_optional", "/optional/1/2/", [], {"arg1": 1, "arg2": 2}),
    ("named_optional_terminated", "/optional/1/", [1], {}),
    ("named_optional_terminated", "/optional/1/", [], {"arg1": 1}),
    ("named_optional_terminated", "/optional/1/2/", [1, 2], {}),
    ("named_optional_terminated", "/optional/1/2/", [], {"arg1": 1, "arg2": 2}),
    ("hardcoded", "/hardcoded/", [], {}),
    ("hardcoded2", "/hardcoded/doc.pdf", [], {}),
    ("people3", "/people/il/adrian/", [], {"state": "il", "name": "adrian"}),
    ("people3", None, [], {"state": "il"}),
    ("people3", None, [], {"name": "adrian"}),
    ("people4", None, [], {"state": "il", "name": "adrian"}),
    ("people6", "/people/il/test/adrian/", ["il/test", "adrian"], {}),
    ("people6", "/people//adrian/", ["adrian"], {}),
    ("range", "/character_set/a/", [], {}),
    ("range2", "/character_set/x/", [], {}),
    ("price", "/price/$10/", ["10"], {}),
    ("price2", "/price/$10/", ["10"], {}),
    ("price3", "/price/$10/", ["10"], {}),
    ("product", "/product/chocolate+($2.00)/", [], {"price": "2.00", "product": "chocolate"}),
    ("headlines", "/headlines/2007.5.21/", [], {"year": 2007, "month": 5, "day": 21}),
    (
        "windows",
        r"/windows_path/C:%5CDocuments%20and%20Settings%5Cspam/",
        [],
        {"drive_name": "C", "path": r"Documents and Settings\spam"},
    ),
    ("special", r"/special_chars/~@+%5C$*%7C/", [r"~@+\$*|"], {}),
    ("special", r"/special_chars/some%20resource/", [r"some resource"], {}),
    ("special", r"/special_chars/10%25%20complete/", [r"10% complete"], {}),
    ("special", r"/special_chars/some%20resource/", [], {"chars": r"some resource"}),
    ("special", r"/special_chars/10%25%20complete/", [], {"chars": r"10% complete"}),
    ("special", None, [""], {}),
    ("mixed", "/john/0/", [], {"name": "john"}),
    ("repeats", "/repeats/a/", [], {}),
    ("repeats2", "/repeats/aa/", [], {}),
    ("repeats3", "/repeats/aa/", [], {}),
    ("test", "/test/1", [], {}),
    ("inner-nothing", "/outer/42/", [], {"outer": "42"}),
    ("inner-nothing", "/outer/42/", ["42"], {}),
    ("inner-nothing", None, ["foo"], {}),
    ("inner-extra", "/outer/42/extra/inner/", [], {"extra": "inner", "outer": "42"}),
    ("inner-extra", "/outer/42/extra/inner/", ["42", "inner"], {}),
    ("inner-extra", None, ["fred", "inner"], {}),
    ("inner-no-kwargs", "/outer-no-kwargs/42/inner-no-kwargs/1/", ["42", "1"], {}),
    ("disjunction", "/foofoo/", ["foo"], {}),  # Django: NoReverseMatch
    ("inner-disjunction", "/outer/10/11", ["10", "11"], {}),  # Django: NoReverseMatch
    ("extra-places", "/e-places/10/", ["10"], {}),
    ("extra-people", "/e-people/fred/", ["fred"], {}),
    ("extra-people", "/e-people/fred/", [], {"name": "fred"}),
    ("part", "/part/one/", [], {"value": "one"}),
    ("part", "/prefix/xx/part/one/", [], {"value": "one", "prefix": "xx"}),
    ("part2", "/part2/one/", [], {"value": "one"}),
    ("part2", "/part2/", [], {}),
    ("part2", "/prefix/xx/part2/one/", [], {"value": "one", "prefix": "xx"}),
    ("part2", "/prefix/xx/part2/", [], {"prefix": "xx"}),
    ("nested-noncapture", "/nested/noncapture/opt", [], {"p": "opt"}),
    ("nested-capture", "/nested/capture/opt/", ["opt/"], {}),
    ("nested-capture", None, [], {"p": "opt"}),
    ("nested-mixedcapture", "/nested/capture/mixed/opt", ["opt"], {}),
    ("nested-mixedcapture", None, [], {"p": "opt"}),
    ("nested-namedcapture", "/nested/capture/named/opt/", [], {"outer": "opt/"}),
    ("nested-namedcapture", None, [], {"outer": "opt/", "inner": "opt"}),
    ("nested-namedcapture", None, [], {"inner": "opt"}),
    ("non_path_include", "/includes/non_path_include/", [], {}),
    ("defaults", "/defaults_view1/3/", [], {"arg1": 3, "arg2": 1}),
    ("defaults", "/defaults_view2/3/", [], {"arg1": 3, "arg2": 2}),
    ("defaults", None, [], {"arg1": 3, "arg2": 3}),
    ("defaults", None, [], {"arg2": 1}),
    ("security", "/%2Fexample.com/security/", ["/example.com"], {}),
]


@pytest.fixture(scope="module")
def django_urls() -> Resolver:
    return Resolver(DJANGO_URLS)


@pytest.mark.parametrize(("name", "expected", "args", "kwargs"), DJANGO_TABLE)
def test_django_reverse_table(
    django_urls: Resolver,
    name: str,
    expected: str | None,
    args: list[Any],
    kwargs: dict[str, Any],
) -> None:
    if expected is None:
        with pytest.raises(NoReverseMatch):
            django_urls.reverse(name, args=args, kwargs=kwargs)
    else:
        assert django_urls.reverse(name, args=args, kwargs=kwargs) == expected


def test_alternation_departure_resolves_back(django_urls: Resolver) -> None:
    match = django_urls.resolve("/foofoo/")
    assert (match.url_name, match.args) == ("disjunction", ("foo",))
    match = django_urls.resolve("/outer/10/11")
    assert (match.url_name, match.kwargs) == ("inner-disjunction", {"outer": "10", "one": "11"})


# ---------------------------------------------------------------- round trip, generated

# Pieces of a route, each ending in "/". "{g}" is a parameter; optional pieces start with
# their own literal, so that leaving one out never lets a neighbour capture its text.
NAMED_PIECES = [
    "lit/",
    "(?P<{g}>[0-9]+)/",
    "(?P<{g}>[a-z]+)/",
    "(?:o{i}/(?P<{g}>[a-z]+)/)?",
    "(?P<{g}>[a-z]+)-(?P={g})/",
    "(?P<{g}>[0-9]+)(?:\\.json)?/",
    "(?:en|fr)/",
    "[a-c]x/",
    "\\d+/",
    "a{{2,3}}/",
    "(?:opt/)?",
    "(?i:ab)/",
    "(?=q)q/",
]
UNNAMED_PIECES = ["lit/", "([0-9]+)/", "([a-z]+)/", "(?:en|fr)/", "[^/x]y/", "\\w\\w/"]
VALUES = {
    "[0-9]+": st.integers(min_value=0, max_value=10**6).map(str),
    "[a-z]+": st.text(alphabet="abcxyz", min_size=1, max_size=6),
}


@st.composite
def routes(draw: st.DrawFn) -> tuple[str, dict[str, tuple[str, bool]], bool]:
    """A regex, its parameters (name -> (value regex, optional)), and whether they are named."""
    named = draw(st.booleans())
    pieces = draw(st.lists(st.sampled_from(NAMED_PIECES if named else UNNAMED_PIECES), max_size=6))
    regex = ""
    params: dict[str, tuple[str, bool]] = {}
    for index, piece in enumerate(pieces):
        name = f"g{index}"
        if named and "{g}" in piece:
            value_regex = "[0-9]+" if "[0-9]+" in piece else "[a-z]+"
            params[name] = (value_regex, piece.startswith("(?:o"))
        elif not named and piece.startswith("(["):
            params[name] = (piece[1:7], False)
        regex += piece.format(g=name, i=index)
    return regex, params, named


PREFIXES = ["", "p/", r"^(?P<lang>en|de)/"]


@settings(max_examples=300, deadline=None)
@given(st.data(), routes(), st.sampled_from(PREFIXES))
def test_every_reversed_url_resolves_back(
    data: st.DataObject, route: tuple[str, dict[str, tuple[str, bool]], bool], prefix: str
) -> None:
    regex, params, named = route
    if not named and prefix.startswith("^"):
        prefix = "p/"  # a named prefix turns an endpoint's unnamed groups into positional
    endpoint = re_path("^" + regex + "$", view, name="target")
    if not prefix:
        urls = [endpoint]
    elif prefix.startswith("^"):
        urls = [re_path(prefix, include([endpoint]))]
    else:
        urls = [path(prefix, include([endpoint]))]
    resolver = Resolver([re_path(r"^other/$", view, name="other"), *urls])
    values = {}
    if prefix.startswith("^"):
        values["lang"] = data.draw(st.sampled_from(["en", "de"]), label="lang")
    for name, (value_regex, optional) in params.items():
        if not optional or data.draw(st.booleans(), label=f"with {name}"):
            values[name] = data.draw(VALUES[value_regex], label=name)
    if named:
        url = resolver.reverse("target", kwargs=values)
    else:
        url = resolver.reverse("target", args=list(values.values()))
    match = resolver.resolve(unquote(url))  # a server hands the app the decoded path
    assert match.url_name == "target"
    if named:
        assert (match.args, match.kwargs) == ((), values)
    else:
        assert (match.args, match.kwargs) == (tuple(values.values()), {})


ANY_PIECES = [
    "a",
    "/",
    r"\.",
    ".",
    "[a-c]",
    "[^/]",
    r"\d",
    r"\W",
    "x?",
    "y+",
    "z{{2,3}}",
    "(?:ab|cd)",
    "(?:e|(?P<n{i}>f+))",
    "(?P<g{i}>[0-9]+)",
    "([a-z]*)",
    "(?=a)",
    "(?<!b)",
    r"\b",
    "(?i:Q)",
    "(?#note)",
    "|",
    "(?:(?P<o{i}>h)/)*",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ANY_PIECES), max_size=8), st.sampled_from(["", "^"]))
def test_reverse_answers_a_matching_url_or_no_reverse_match(pieces: list[str], start: str) -> None:
    regex = start + "".join(piece.format(i=index) for index, piece in enumerate(pieces))
    if regex.startswith(("/", "^/")):
        regex = "p" + regex  # routes are written without a leading slash
    resolver = Resolver([re_path(regex, view, name="r")])
    try:
        url = resolver.reverse("r")
    except NoReverseMatch:
        return
    assert re.compile(regex).search(unquote(url)[1:]) is not None

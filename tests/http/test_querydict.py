from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import TooManyFieldsSent
from legato.http.querydict import MultiValueDict, MultiValueDictKeyError, QueryDict


def test_getitem_returns_last_value_when_key_repeats() -> None:
    qd = QueryDict("a=1&a=2&b=3")
    assert qd["a"] == "2"
    assert qd.getlist("a") == ["1", "2"]
    assert qd["b"] == "3"


def test_items_yield_last_values_and_lists_yield_all() -> None:
    qd = QueryDict("a=1&a=2&b=3")
    assert list(qd.items()) == [("a", "2"), ("b", "3")]
    assert list(qd.lists()) == [("a", ["1", "2"]), ("b", ["3"])]
    assert list(qd.values()) == ["2", "3"]
    assert qd.dict() == {"a": "2", "b": "3"}


def test_dict_conversion_sees_lists_as_in_django() -> None:
    qd = QueryDict("a=1&a=2")
    assert isinstance(qd, dict)
    assert dict(qd) == {"a": ["1", "2"]}  # type: ignore[comparison-overlap]


def test_missing_key_raises_multivaluedictkeyerror() -> None:
    qd = QueryDict("a=1")
    with pytest.raises(MultiValueDictKeyError):
        qd["missing"]
    with pytest.raises(KeyError):
        qd["missing"]
    assert qd.get("missing") is None
    assert qd.get("missing", "x") == "x"
    assert qd.getlist("missing") == []
    assert qd.getlist("missing", ["d"]) == ["d"]


def test_plus_is_space_and_percent_escapes_decode() -> None:
    qd = QueryDict("q=hello+world&x=%C3%A9t%C3%A9&y=a%2Bb")
    assert qd["q"] == "hello world"
    assert qd["x"] == "été"
    assert qd["y"] == "a+b"


def test_blank_values_are_kept() -> None:
    qd = QueryDict("a=&b&c=1")
    assert qd["a"] == ""
    assert qd["b"] == ""
    assert qd["c"] == "1"


def test_invalid_percent_escape_stays_literal_without_error() -> None:
    qd = QueryDict("a=%zz&b=%&c=%4")
    assert qd["a"] == "%zz"
    assert qd["b"] == "%"
    assert qd["c"] == "%4"


def test_non_utf8_bytes_become_replacement_characters() -> None:
    qd = QueryDict(b"a=%ff%fe&b=\xff\xfe&c=ok")
    assert qd["a"] == "\ufffd\ufffd"
    assert qd["b"] == "\ufffd\ufffd"
    assert qd["c"] == "ok"


def test_other_encoding_decodes_values() -> None:
    qd = QueryDict(b"a=%E9", encoding="latin-1")
    assert qd["a"] == "é"
    assert qd.encoding == "latin-1"


def test_more_fields_than_limit_raises_toomanyfieldssent() -> None:
    with pytest.raises(TooManyFieldsSent, match="more than 2 fields"):
        QueryDict("a=1&b=2&c=3", max_num_fields=2)
    assert QueryDict("a=1&b=2", max_num_fields=2).dict() == {"a": "1", "b": "2"}


def test_immutable_querydict_refuses_every_mutation() -> None:
    qd = QueryDict("a=1")
    mutations: list[Callable[[], object]] = [
        lambda: qd.__setitem__("a", "2"),
        lambda: qd.__delitem__("a"),
        lambda: qd.setlist("a", ["2"]),
        lambda: qd.appendlist("a", "2"),
        lambda: qd.setlistdefault("b"),
        lambda: qd.setdefault("b", "2"),
        lambda: qd.pop("a"),
        lambda: qd.popitem(),
        lambda: qd.clear(),
        lambda: qd.update({"b": "2"}),
    ]
    for mutate in mutations:
        with pytest.raises(AttributeError, match="This QueryDict instance is immutable"):
            mutate()
    assert qd.getlist("a") == ["1"]


def test_copy_is_mutable_and_independent() -> None:
    qd = QueryDict("a=1&a=2")
    for duplicate in (qd.copy(), copy.copy(qd), copy.deepcopy(qd)):
        duplicate.appendlist("a", "3")
        duplicate["b"] = "x"
        assert duplicate.getlist("a") == ["1", "2", "3"]
    assert qd.getlist("a") == ["1", "2"]
    assert "b" not in qd


def test_mutable_querydict_supports_django_mutations() -> None:
    qd = QueryDict(mutable=True)
    qd["a"] = "1"
    qd.appendlist("a", "2")
    qd.setlist("b", ["x", "y"])
    qd.update({"a": "3"})
    assert qd.getlist("a") == ["1", "2", "3"]
    assert qd.pop("b") == ["x", "y"]
    assert qd.setdefault("c", "z") == "z"
    assert qd.setlistdefault("d", ["w"]) == ["w"]
    del qd["d"]
    assert qd.urlencode() == "a=1&a=2&a=3&c=z"


def test_urlencode_escapes_and_honours_safe() -> None:
    qd = QueryDict(mutable=True)
    qd["next"] = "/a b?c=d&é"
    assert qd.urlencode() == "next=%2Fa+b%3Fc%3Dd%26%C3%A9"
    assert qd.urlencode(safe="/") == "next=/a%20b%3Fc%3Dd%26%C3%A9"


def test_fromkeys_builds_querydict_with_value() -> None:
    qd = QueryDict.fromkeys(["a", "a", "b"], value="v")
    assert isinstance(qd, QueryDict)
    assert qd.getlist("a") == ["v", "v"]
    assert qd["b"] == "v"
    with pytest.raises(AttributeError):
        qd["c"] = "x"
    assert QueryDict.fromkeys(["a"], mutable=True)._mutable


def test_fromkeys_decodes_bytes_with_the_encoding_as_in_django() -> None:
    qd = QueryDict.fromkeys([b"key\xe9", "k"], value=b"value\xe9", encoding="latin-1")
    assert dict(qd.lists()) == {"keyé": ["valueé"], "k": ["valueé"]}
    assert QueryDict.fromkeys([b"\xff"], value=b"\xff")["\ufffd"] == "\ufffd"


def test_mutations_decode_bytes_with_the_encoding() -> None:
    qd = QueryDict(mutable=True, encoding="latin-1")
    qd[b"a\xe9"] = b"\xe9"
    qd.setlist(b"b", [b"\xe9", "x"])
    qd.appendlist(b"c", b"\xe9")
    qd.setdefault(b"d", b"\xe9")
    assert dict(qd.lists()) == {"aé": ["é"], "b": ["é", "x"], "c": ["é"], "d": ["é"]}


def test_pickle_round_trip_keeps_lists_and_immutability() -> None:
    qd = QueryDict("a=1&a=2")
    restored = pickle.loads(pickle.dumps(qd))
    assert restored.getlist("a") == ["1", "2"]
    with pytest.raises(AttributeError):
        restored["a"] = "3"
    mvd: MultiValueDict[int] = MultiValueDict({"x": [1, 2]})
    assert pickle.loads(pickle.dumps(mvd)).getlist("x") == [1, 2]


def test_multivaluedict_repr_and_update_append() -> None:
    mvd: MultiValueDict[str] = MultiValueDict({"a": ["1"]})
    mvd.update([("a", "2")], b="3")
    assert mvd.getlist("a") == ["1", "2"]
    assert mvd["b"] == "3"
    assert repr(mvd) == "<MultiValueDict: {'a': ['1', '2'], 'b': ['3']}>"
    assert repr(QueryDict("x=1")) == "<QueryDict: {'x': ['1']}>"


def test_getlist_returns_a_copy() -> None:
    qd = QueryDict("a=1")
    qd.getlist("a").append("2")
    assert qd.getlist("a") == ["1"]


@given(st.one_of(st.text(), st.binary()))
def test_parsing_never_raises_on_arbitrary_input(raw: str | bytes) -> None:
    qd = QueryDict(raw)
    for key, values in qd.lists():
        assert isinstance(key, str)
        assert all(isinstance(value, str) for value in values)


@given(st.one_of(st.text(), st.binary()))
def test_urlencode_round_trips_parsed_input(raw: str | bytes) -> None:
    qd = QueryDict(raw)
    again = QueryDict(qd.urlencode())
    assert list(again.lists()) == list(qd.lists())


@given(st.lists(st.tuples(st.text(), st.text())))
def test_urlencode_round_trips_built_querydict(pairs: list[tuple[str, str]]) -> None:
    qd = QueryDict(mutable=True)
    for key, value in pairs:
        qd.appendlist(key, value)
    assert list(QueryDict(qd.urlencode()).lists()) == list(qd.lists())


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="%+"))
)
def test_plain_query_fast_path_matches_parse_qsl(query: str) -> None:
    from urllib.parse import parse_qsl

    expected: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        expected.setdefault(key, []).append(value)
    assert list(QueryDict(query.encode()).lists()) == list(expected.items())

"""The prefix index returns exactly the items whose prefix starts the text, in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from legato.urls._trie import PrefixIndex


def test_candidates_include_every_matching_prefix_in_order() -> None:
    index = PrefixIndex([("/a/", 1), ("/", 2), ("/a/b", 3), ("/ab", 4), ("/a/", 5)])
    assert index.candidates("/a/bc") == (1, 2, 3, 5)
    assert index.candidates("/abc") == (2, 4)
    assert index.candidates("/") == (2,)
    assert index.candidates("x") == ()


def test_deeply_nested_prefixes_do_not_hit_the_recursion_limit() -> None:
    index = PrefixIndex(("a" * n, n) for n in range(1, 3000))
    assert len(index.candidates("a" * 5000)) == 2999


ALPHABET = st.text(alphabet="ab/", max_size=6)


@given(st.lists(ALPHABET, max_size=30), ALPHABET)
def test_candidates_equal_a_filtered_scan(prefixes: list[str], text: str) -> None:
    index = PrefixIndex((prefix, rank) for rank, prefix in enumerate(prefixes))
    expected = tuple(rank for rank, prefix in enumerate(prefixes) if text.startswith(prefix))
    assert index.candidates(text) == expected

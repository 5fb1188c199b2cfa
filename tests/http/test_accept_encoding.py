"""The Accept-Encoding parser: qualities, refusals, `*`, and no exception on any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from legato.http.accept_encoding import parse_accept_encoding, preferred_coding


def test_codings_are_read_with_their_qualities() -> None:
    assert parse_accept_encoding("gzip, deflate;q=0.5, BR ; q=0.8, identity;q=0") == {
        "gzip": 1.0,
        "deflate": 0.5,
        "br": 0.8,
        "identity": 0.0,
    }


def test_a_quality_that_is_not_a_number_from_0_to_1_refuses_the_coding() -> None:
    assert parse_accept_encoding("gzip;q=abc, br;q=2, x;q=nan, y;q=-1") == {
        "gzip": 0.0,
        "br": 0.0,
        "x": 0.0,
        "y": 0.0,
    }


def test_the_first_mention_of_a_coding_counts() -> None:
    assert parse_accept_encoding("gzip;q=0, gzip") == {"gzip": 0.0}


def test_the_highest_rated_offered_coding_is_chosen() -> None:
    assert preferred_coding("gzip;q=1, br;q=0.5", ("br", "gzip")) == "gzip"
    assert preferred_coding("gzip;q=0.5, br", ("br", "gzip")) == "br"


def test_a_tie_goes_to_the_servers_order() -> None:
    assert preferred_coding("gzip, deflate, br, zstd", ("br", "gzip")) == "br"
    assert preferred_coding("gzip, br", ("gzip", "br")) == "gzip"


def test_q_0_refuses_a_coding() -> None:
    assert preferred_coding("gzip;q=0", ("gzip",)) is None
    assert preferred_coding("br;q=0, gzip;q=0.1", ("br", "gzip")) == "gzip"


def test_star_covers_the_codings_not_named() -> None:
    assert preferred_coding("*", ("br", "gzip")) == "br"
    assert preferred_coding("br;q=0, *;q=0.3", ("br", "gzip")) == "gzip"
    assert preferred_coding("*;q=0", ("gzip",)) is None


def test_no_header_or_an_unnamed_coding_means_no_compression() -> None:
    assert preferred_coding("", ("br", "gzip")) is None
    assert preferred_coding("identity, deflate", ("br", "gzip")) is None


@given(st.text())
def test_the_parser_never_raises(header: str) -> None:
    for quality in parse_accept_encoding(header).values():
        assert 0.0 <= quality <= 1.0


@given(st.text(alphabet="gzipbr*;q=0.15, \t", max_size=40))
def test_the_chosen_coding_is_offered_and_not_refused(header: str) -> None:
    chosen = preferred_coding(header, ("br", "gzip"))
    if chosen is not None:
        codings = parse_accept_encoding(header)
        assert codings.get(chosen, codings.get("*", 0.0)) > 0

"""The aggregator's configuration: upstream lists, environment overrides, clear errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examples.aggregator.settings import (
    DEFAULT_BASE_URL,
    DEMO_UPSTREAMS,
    Settings,
    Upstream,
    format_upstreams,
    parse_upstreams,
)
from legato.exceptions import ImproperlyConfigured

names = st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True)
urls = st.builds(
    lambda port, path, query: f"http://127.0.0.1:{port}/{path}{query}",
    st.integers(1, 65535),
    st.from_regex(r"[a-z0-9/_.-]{0,20}", fullmatch=True),
    st.sampled_from(["", "?delay=0.3", "?a=1&b=2,3", "?k=%20"]),
)


def test_parse_reads_name_url_pairs_separated_by_whitespace() -> None:
    upstreams = parse_upstreams(
        " weather=http://127.0.0.1:8001/w/?delay=0.3\n news=https://news.test/api ", timeout=2
    )
    assert upstreams == (
        Upstream("weather", "http://127.0.0.1:8001/w/?delay=0.3", 2),
        Upstream("news", "https://news.test/api", 2),
    )


@given(st.dictionaries(names, urls, max_size=5), st.floats(0.01, 60))
def test_parse_inverts_format_for_any_upstream_list(
    given_urls: dict[str, str], timeout: float
) -> None:
    upstreams = tuple(Upstream(name, url, timeout) for name, url in given_urls.items())
    assert parse_upstreams(format_upstreams(upstreams), timeout) == upstreams


@given(st.text(max_size=40) | st.text("ahtps:/[]?#=@.0123456789 ", max_size=30))
def test_parse_returns_upstreams_or_raises_improperly_configured_for_any_text(text: str) -> None:
    try:
        upstreams = parse_upstreams(text)
    except ImproperlyConfigured as exc:
        message = str(exc)
        assert message.startswith("Upstream")
    else:
        assert len(upstreams) == len(text.split())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weather", "is not name=URL"),
        ("=http://a.test/", "is not a plain identifier"),
        ("we-ather=http://a.test/", "is not a plain identifier"),
        ("weather=", "give an http(s) URL"),
        ("weather=ftp://a.test/", "only http and https"),
        ("weather=http://[", "Invalid IPv6 URL"),
        ("weather=http://a.test:99999/", "out of range"),
        ("weather=http:/path", "with a host"),
        ("weather=//a.test/", "with a host"),
        ("a=http://a.test/ a=http://b.test/", "repeated: ['a']"),
    ],
)
def test_parse_rejects_bad_entries_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        parse_upstreams(text)


def test_relative_urls_are_told_apart_from_absolute_ones() -> None:
    assert Upstream("a", "../upstream/a/").is_relative
    assert Upstream("a", "/upstream/a/").is_relative
    assert not Upstream("a", "http://127.0.0.1:9/").is_relative


def test_settings_default_to_the_simulated_demo_upstreams_where_legato_run_serves() -> None:
    settings = Settings.from_arguments(None, timeout=1, cache_ttl=5, environ={})
    assert DEFAULT_BASE_URL == "http://127.0.0.1:8000/"
    assert {u.name: u.url for u in settings.upstreams} == {
        name: DEFAULT_BASE_URL + url for name, url in DEMO_UPSTREAMS.items()
    }
    assert (settings.timeout, settings.cache_ttl) == (1, 5)


@pytest.mark.parametrize(
    ("base_url", "url", "expected"),
    [
        (
            "http://127.0.0.1:9000/",
            "upstream/a/?delay=1",
            "http://127.0.0.1:9000/upstream/a/?delay=1",
        ),
        ("http://h.test/agg/", "upstream/a/", "http://h.test/agg/upstream/a/"),
        ("http://h.test/agg", "upstream/a/", "http://h.test/agg/upstream/a/"),
        ("https://h.test/agg/", "/a/", "https://h.test/a/"),
        ("https://h.test/agg/", "../a/", "https://h.test/a/"),
        ("http://h.test/", "http://api.test:81/x", "http://api.test:81/x"),
    ],
)
def test_relative_upstreams_are_resolved_against_the_base_url_at_start_up(
    base_url: str, url: str, expected: str
) -> None:
    settings = Settings.from_arguments(
        {"a": url}, timeout=1, cache_ttl=5, base_url=base_url, environ={}
    )
    assert settings.upstreams == (Upstream("a", expected, 1),)
    assert not settings.upstreams[0].is_relative


def test_base_url_from_the_environment_wins_over_the_argument() -> None:
    environ = {"AGGREGATOR_BASE_URL": "http://127.0.0.1:9001/agg/"}
    settings = Settings.from_arguments(
        {"a": "upstream/a/"}, timeout=1, cache_ttl=5, base_url="http://x.test/", environ=environ
    )
    assert settings.base_url == "http://127.0.0.1:9001/agg/"
    assert settings.upstreams[0].url == "http://127.0.0.1:9001/agg/upstream/a/"


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("", "give the http(s) URL"),
        ("/aggregator/", "give the http(s) URL"),
        ("127.0.0.1:8000", "give the http(s) URL"),
        ("ftp://h.test/", "give the http(s) URL"),
        ("http://h.test:99999/", "out of range"),
        ("http://h.test/?a=1", "has a query"),
        ("http://h.test/ x/", "a space"),
    ],
)
def test_bad_base_url_fails_start_up_naming_the_variable(base_url: str, message: str) -> None:
    environ = {"AGGREGATOR_BASE_URL": base_url}
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)) as error:
        Settings.from_arguments(None, timeout=1, cache_ttl=5, environ=environ)
    assert "AGGREGATOR_BASE_URL" in str(error.value)


def test_settings_take_a_mapping_or_upstream_objects() -> None:
    mapping = Settings.from_arguments({"a": "http://a.test/"}, timeout=2, cache_ttl=0, environ={})
    assert mapping.upstreams == (Upstream("a", "http://a.test/", 2),)
    own = Settings.from_arguments(
        [Upstream("a", "http://a.test/", 9)], timeout=2, cache_ttl=0, environ={}
    )
    assert own.upstreams[0].timeout == 9


def test_environment_overrides_the_arguments() -> None:
    environ = {
        "AGGREGATOR_UPSTREAMS": "b=http://b.test/",
        "AGGREGATOR_TIMEOUT": "0.5",
        "AGGREGATOR_CACHE_TTL": "0",
    }
    settings = Settings.from_arguments(
        {"a": "http://a.test/"}, timeout=2, cache_ttl=5, environ=environ
    )
    assert settings.upstreams == (Upstream("b", "http://b.test/", 0.5),)
    assert (settings.timeout, settings.cache_ttl) == (0.5, 0)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AGGREGATOR_TIMEOUT": "soon"}, "AGGREGATOR_TIMEOUT='soon' is not a number"),
        ({"AGGREGATOR_TIMEOUT": "0"}, "more than zero"),
        ({"AGGREGATOR_TIMEOUT": "nan"}, "finite number"),
        ({"AGGREGATOR_CACHE_TTL": "-1"}, "zero or more"),
    ],
)
def test_bad_environment_values_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        Settings.from_arguments(None, timeout=1, cache_ttl=5, environ=environ)

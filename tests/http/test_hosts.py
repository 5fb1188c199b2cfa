from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import ImproperlyConfigured
from legato.http.hosts import AllowedHosts, split_domain_port


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.com", ("example.com", "")),
        ("Example.COM:8000", ("example.com", "8000")),
        ("example.com.", ("example.com", "")),
        ("[::1]", ("[::1]", "")),
        ("[::1]:8443", ("[::1]", "8443")),
        ("[2001:DB8::1]:80", ("[2001:db8::1]", "80")),
        ("127.0.0.1:8000", ("127.0.0.1", "8000")),
        ("exa mple.com", ("", "")),
        ("evil.com\r\n", ("", "")),
        ("evil.com\n", ("", "")),
        ("example.com:80:80", ("", "")),
        ("example.com:abc", ("", "")),
        ("[::1", ("", "")),
        ("user@example.com", ("", "")),
        ("\u212aelvin.com", ("", "")),
        ("", ("", "")),
    ],
)
def test_split_domain_port_follows_django(host: str, expected: tuple[str, str]) -> None:
    assert split_domain_port(host) == expected


def test_exact_names_match_case_insensitively_with_any_port() -> None:
    hosts = AllowedHosts(["Example.com"])
    assert hosts.is_allowed("example.com")
    assert hosts.is_allowed("EXAMPLE.com:8000")
    assert hosts.is_allowed("example.com.")
    assert not hosts.is_allowed("www.example.com")
    assert not hosts.is_allowed("example.co")


def test_dot_pattern_matches_domain_and_subdomains() -> None:
    hosts = AllowedHosts([".example.com"])
    assert hosts.is_allowed("example.com")
    assert hosts.is_allowed("www.example.com:443")
    assert hosts.is_allowed("a.b.example.com")
    assert not hosts.is_allowed("badexample.com")
    assert not hosts.is_allowed("example.com.evil.org")


def test_star_matches_any_wellformed_host_only() -> None:
    hosts = AllowedHosts(["*"])
    assert hosts.is_allowed("anything.test:1234")
    assert hosts.is_allowed("[::1]")
    assert not hosts.is_allowed("bad host")
    assert not hosts.is_allowed("evil.com\r\nX-Injected: 1")


def test_ipv6_literal_matches_with_brackets() -> None:
    hosts = AllowedHosts(["[::1]", "127.0.0.1"])
    assert hosts.is_allowed("[::1]:8000")
    assert hosts.is_allowed("127.0.0.1:8000")
    assert not hosts.is_allowed("::1")


def test_empty_list_allows_nothing() -> None:
    hosts = AllowedHosts([])
    assert not hosts
    assert not hosts.is_allowed("localhost")


def test_pattern_with_port_is_refused_at_construction() -> None:
    with pytest.raises(ImproperlyConfigured, match="has a port"):
        AllowedHosts(["example.com:8000"])
    with pytest.raises(ImproperlyConfigured, match="has a port"):
        AllowedHosts(["[::1]:8000"])
    with pytest.raises(ImproperlyConfigured, match="non-empty"):
        AllowedHosts([""])


@given(st.text(), st.lists(st.sampled_from(["*", ".example.com", "localhost", "[::1]"])))
def test_is_allowed_never_raises(host: str, patterns: list[str]) -> None:
    assert AllowedHosts(patterns).is_allowed(host) in (True, False)

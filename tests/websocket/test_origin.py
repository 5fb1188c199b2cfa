"""Origin parsing and the origin policy: properties over generated input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.handlers.websocket import OriginPolicy, parse_origin

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)
ports = st.integers(min_value=1, max_value=65535)
schemes = st.sampled_from(["http", "https"])


@given(st.text(max_size=200))
def test_parse_origin_never_raises(text: str) -> None:
    result = parse_origin(text)
    if result is not None:
        scheme, host, port = result
        assert scheme.isalpha()
        assert scheme == scheme.lower()
        assert host
        assert host == host.lower()
        assert port == "" or port.isdigit()


@given(schemes, hosts, ports)
def test_parse_origin_round_trips_well_formed_origins(scheme: str, host: str, port: int) -> None:
    default = {"http": 80, "https": 443}[scheme]
    expected_port = "" if port == default else str(port)
    assert parse_origin(f"{scheme}://{host}:{port}") == (scheme, host, expected_port)
    assert parse_origin(f"{scheme.upper()}://{host.upper()}") == (scheme, host, "")


@given(schemes, hosts, st.sampled_from(["/", "/path", "?q", "#f", "@x", " "]))
def test_parse_origin_refuses_anything_beyond_scheme_host_port(
    scheme: str, host: str, tail: str
) -> None:
    assert parse_origin(f"{scheme}://{host}{tail}") is None


@given(schemes, hosts, st.one_of(st.none(), ports))
def test_same_host_and_port_is_always_allowed(scheme: str, host: str, port: int | None) -> None:
    netloc = host if port is None else f"{host}:{port}"
    assert OriginPolicy([]).allows(f"{scheme}://{netloc}", netloc)


@given(schemes, hosts, hosts)
def test_a_different_host_is_refused_unless_listed(scheme: str, host: str, other: str) -> None:
    policy = OriginPolicy([])
    if host != other:
        assert not policy.allows(f"{scheme}://{other}", host)
    assert OriginPolicy([f"{scheme}://{other}"]).allows(f"{scheme}://{other}", host)


@given(hosts, hosts)
def test_wildcard_entries_match_the_domain_and_its_subdomains_only(sub: str, domain: str) -> None:
    policy = OriginPolicy([f"https://*.{domain}"])
    assert policy.allows(f"https://{sub}.{domain}", "server")
    assert policy.allows(f"https://{domain}", "server")
    assert not policy.allows(f"https://{sub}{domain}", "server") or sub.endswith("." + domain)
    assert not policy.allows(f"http://{sub}.{domain}", "server")


def test_default_ports_are_the_same_as_none() -> None:
    policy = OriginPolicy([])
    assert policy.allows("https://example.com", "example.com:443")
    assert policy.allows("http://example.com:80", "example.com")
    assert not policy.allows("http://example.com:8080", "example.com")


@pytest.mark.parametrize("entry", ["example.com", "https://", "https://a.com/path", ""])
def test_malformed_entries_are_refused(entry: str) -> None:
    from legato.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        OriginPolicy([entry])

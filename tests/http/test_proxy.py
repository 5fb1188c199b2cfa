"""Proxy headers a request trusts: Django's USE_X_FORWARDED_HOST/PORT, SECURE_PROXY_SSL_HEADER."""

from __future__ import annotations

from typing import Any

import pytest

from legato import App
from legato.exceptions import DisallowedHost, ImproperlyConfigured
from legato.http import HttpResponse
from legato.http.hosts import AllowedHosts
from legato.http.proxy import ProxyHeaders
from legato.http.request import HttpRequest
from legato.urls import path
from tests.parity import ServeBoth

SSL = ("HTTP_X_FORWARDED_PROTO", "https")


def request_with(
    headers: list[tuple[bytes, bytes]],
    proxy: ProxyHeaders | None,
    allowed: list[str] | None = None,
    **overrides: Any,
) -> HttpRequest:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/p",
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "server": ("10.0.0.1", 8000),
    }
    scope.update(overrides)
    hosts = None if allowed is None else AllowedHosts(allowed)
    return HttpRequest(scope, allowed_hosts=hosts, proxy=proxy)


def test_nothing_is_trusted_by_default() -> None:
    assert ProxyHeaders.from_settings() is None
    request = request_with(
        [
            (b"host", b"internal"),
            (b"x-forwarded-host", b"public.example"),
            (b"x-forwarded-port", b"443"),
            (b"x-forwarded-proto", b"https"),
        ],
        None,
    )
    assert (request.get_host(), request.get_port(), request.scheme) == ("internal", "8000", "http")


def test_forwarded_host_and_port_are_used_when_trusted() -> None:
    proxy = ProxyHeaders.from_settings(use_x_forwarded_host=True, use_x_forwarded_port=True)
    request = request_with(
        [
            (b"host", b"internal"),
            (b"x-forwarded-host", b"public.example"),
            (b"x-forwarded-port", b"8443"),
        ],
        proxy,
    )
    assert request.get_host() == "public.example"
    assert request.get_port() == "8443"
    assert request.build_absolute_uri("/x") == "http://public.example/x"
    without = request_with([(b"host", b"internal")], proxy)
    assert (without.get_host(), without.get_port()) == ("internal", "8000")


def test_forwarded_port_is_used_for_the_host_without_a_host_header() -> None:
    proxy = ProxyHeaders.from_settings(use_x_forwarded_port=True)
    request = request_with([(b"x-forwarded-port", b"80")], proxy, server=("example.com", 8000))
    assert request.get_host() == "example.com"


def test_a_forwarded_host_must_be_allowed() -> None:
    proxy = ProxyHeaders.from_settings(use_x_forwarded_host=True)
    headers = [(b"host", b"good.example"), (b"x-forwarded-host", b"evil.example")]
    with pytest.raises(DisallowedHost, match=r"evil\.example"):
        request_with(headers, proxy, ["good.example"]).get_host()
    several = [(b"x-forwarded-host", b"good.example, other.example")]
    with pytest.raises(DisallowedHost):  # the whole value is the host, as in Django
        request_with(several, proxy, ["good.example"]).get_host()


@pytest.mark.parametrize(
    ("value", "scheme"),
    [(b"https", "https"), (b"https, http", "https"), (b" https ", "https"), (b"http", "http")],
)
def test_ssl_header_sets_the_scheme(value: bytes, scheme: str) -> None:
    proxy = ProxyHeaders.from_settings(secure_proxy_ssl_header=SSL)
    request = request_with([(b"x-forwarded-proto", value)], proxy)
    assert request.scheme == scheme
    assert request.is_secure() is (scheme == "https")


def test_without_the_ssl_header_the_server_scheme_stands() -> None:
    proxy = ProxyHeaders.from_settings(secure_proxy_ssl_header=SSL)
    assert request_with([], proxy, scheme="https").scheme == "https"
    assert request_with([(b"x-forwarded-proto", b"http")], proxy, scheme="https").scheme == "http"


def test_an_assigned_meta_is_read_for_proxy_headers() -> None:
    proxy = ProxyHeaders.from_settings(True, True, SSL)
    request = HttpRequest(proxy=proxy)
    request.META = {
        "HTTP_X_FORWARDED_HOST": "example.com",
        "HTTP_X_FORWARDED_PORT": "8080",
        "HTTP_X_FORWARDED_PROTO": "https",
        "SERVER_PORT": "80",
    }
    assert (request.get_host(), request.get_port(), request.scheme) == (
        "example.com",
        "8080",
        "https",
    )


@pytest.mark.parametrize(
    "setting",
    [
        ("HTTP_X_FORWARDED_PROTO",),
        "HTTP_X_FORWARDED_PROTO",
        ("X-Forwarded-Proto", "https"),
        ("HTTP_X", 1),
    ],
)
def test_a_malformed_ssl_header_setting_is_refused(setting: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="secure_proxy_ssl_header"):
        ProxyHeaders.from_settings(secure_proxy_ssl_header=setting)


def describe(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{request.scheme} {request.get_host()} {request.get_port()}")


def test_app_settings_reach_every_request(both: ServeBoth) -> None:
    pair = both(
        lambda: App(
            [path("", describe)],
            allowed_hosts=["public.example", "testserver"],
            use_x_forwarded_host=True,
            use_x_forwarded_port=True,
            secure_proxy_ssl_header=SSL,
        )
    )
    forwarded = {
        "X-Forwarded-Host": "public.example",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    assert pair.get("/", headers=forwarded).text == "https public.example 443"
    evil = pair.get("/", headers={"X-Forwarded-Host": "evil.example"})
    assert evil.status == 400
    # The Host header passed before must not let a forwarded host through the fast path.
    assert pair.get("/").status == 200
    assert pair.get("/", headers={"X-Forwarded-Host": "evil.example"}).status == 400


def test_without_the_settings_proxy_headers_are_ignored(both: ServeBoth) -> None:
    pair = both(lambda: App([path("", describe)]))
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert pair.get("/", headers=forwarded).text.startswith("http testserver")

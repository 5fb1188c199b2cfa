"""Which URLs are safe to redirect to: Django's answers, properties, and a view's guard."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato import App
from legato.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    url_has_allowed_host_and_scheme,
)
from legato.http.redirects import MAX_URL_LENGTH, escape_leading_slashes
from legato.urls import path
from tests.http.url_pieces import ALLOWED, any_urls, tricky_urls
from tests.parity import ServeBoth

SAFE = [
    "/next/",
    "next/",
    "?page=2",
    "#top",
    "/view/?param=http://evil.example",
    "/url%20with%20spaces/",
    "path/http:2222",
    "http://testserver/confirm?email=me@example.com",
    "https://testserver/",
    "//testserver/",
    "HTTPS://TestServer/",
    "  /surrounding-spaces/  ",
    "http://bücher.example/",
]

UNSAFE = [
    None,
    "",
    "   ",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "http://evil.example",
    "https://evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "http:///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "http:\\\\evil.example",
    "http://testserver@evil.example/",
    "http://evil.example\\@testserver/",
    "http://testserver:8000/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://testserver/",
    "mailto:someone@testserver",
    "\x08//evil.example",
    "\x00http://testserver/",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "http://[::1",
    "http://\uff45\uff56\uff49\uff4c.example/",
    "//evil\u3002example",
    "http://xn--bcher-kva.example/",  # listed in Unicode only: not the same spelling
]


@pytest.mark.parametrize("url", SAFE)
def test_relative_and_allowed_urls_are_safe(url: str) -> None:
    assert url_has_allowed_host_and_scheme(url, ALLOWED)


@pytest.mark.parametrize("url", UNSAFE)
def test_other_hosts_and_schemes_are_unsafe(url: str | None) -> None:
    assert not url_has_allowed_host_and_scheme(url, ALLOWED)


def test_require_https_refuses_plain_http() -> None:
    assert url_has_allowed_host_and_scheme("https://testserver/", "testserver", require_https=True)
    assert not url_has_allowed_host_and_scheme("http://testserver/", "testserver", True)
    assert not url_has_allowed_host_and_scheme("//testserver/", "testserver", True)
    assert url_has_allowed_host_and_scheme("/relative/", None, require_https=True)


def test_allowed_hosts_may_be_one_name_none_or_include_a_port() -> None:
    assert url_has_allowed_host_and_scheme("http://testserver/", "testserver")
    assert not url_has_allowed_host_and_scheme("http://testserver/", None)
    assert url_has_allowed_host_and_scheme("/", None)
    assert url_has_allowed_host_and_scheme("http://testserver:8000/", ["testserver:8000"])


@pytest.mark.parametrize(
    ("url", "escaped"),
    [("//evil.example/", "/%2Fevil.example/"), ("///x", "/%2F/x"), ("/ok/", "/ok/"), ("", "")],
)
def test_escape_leading_slashes(url: str, escaped: str) -> None:
    assert escape_leading_slashes(url) == escaped


@given(any_urls, st.frozensets(st.text(max_size=12), max_size=3), st.booleans())
def test_never_raises(url: str, hosts: frozenset[str], require_https: bool) -> None:
    assert url_has_allowed_host_and_scheme(url, hosts, require_https) in (True, False)


@given(st.text(max_size=40))
def test_quoted_and_escaped_path_is_always_safe(path: str) -> None:
    # What the APPEND_SLASH redirect does with any path a client sends.
    location = escape_leading_slashes(quote("/" + path, safe="/:@&+$,-_.!~*'()"))
    assert url_has_allowed_host_and_scheme(location, allowed_hosts=None)


def _has_control(url: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in url)


@settings(max_examples=2000)
@given(tricky_urls(), st.booleans())
def test_agrees_with_django(url: str, require_https: bool) -> None:
    """Django's answer, except where Legato is stricter (a control character anywhere)
    or compares ASCII host names case-insensitively."""
    django_http = pytest.importorskip("django.utils.http")
    ours = url_has_allowed_host_and_scheme(url, ALLOWED, require_https)
    theirs = django_http.url_has_allowed_host_and_scheme(url, set(ALLOWED), require_https)
    if _has_control(url.strip()):
        assert not ours
    elif url == url.lower():
        assert ours == theirs
    else:
        assert theirs <= ours  # True for Django is True for Legato


# ---------------------------------------------------------------- in a view, through both servers


def next_page(request: HttpRequest) -> HttpResponse:
    """The usual guard on a `?next=` redirect, with the host and scheme of the request."""
    target = request.GET.get("next")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)


@pytest.mark.parametrize(
    ("query", "secure", "location"),
    [
        ("next=/account/", False, "/account/"),
        ("next=http://testserver/account/", False, "http://testserver/account/"),
        ("next=http://testserver/account/", True, "/"),  # HTTPS page, plain HTTP target
        ("next=https://testserver/account/", True, "https://testserver/account/"),
        ("next=//evil.example/", False, "/"),
        ("next=https://evil.example/", True, "/"),
    ],
)
def test_next_redirect_uses_the_requests_host_and_scheme_under_both_servers(
    both: ServeBoth, query: str, secure: bool, location: str
) -> None:
    response = both(lambda: App([path("login/", next_page)])).get(f"/login/?{query}", secure=secure)
    assert response.status == 302
    assert response.headers["location"] == location


def test_a_url_longer_than_the_limit_is_not_safe_even_on_an_allowed_host() -> None:
    at_limit = "/" + "a" * (MAX_URL_LENGTH - 1)
    assert url_has_allowed_host_and_scheme(at_limit, "testserver")
    assert not url_has_allowed_host_and_scheme(at_limit + "a", "testserver")
    # Surrounding whitespace is stripped before the length is measured, as in Django.
    assert url_has_allowed_host_and_scheme(f"  {at_limit}  ", "testserver")

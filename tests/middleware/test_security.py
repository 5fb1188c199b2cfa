"""SecurityMiddleware: Django's headers and HTTPS redirect, configured by keyword."""

from __future__ import annotations

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import SecurityMiddleware
from legato.test import Client
from legato.urls import path


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


async def own_policy(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("mine")
    response["Referrer-Policy"] = "no-referrer"
    return response


def client(*middleware: object) -> Client:
    return Client(
        App(
            [path("", page), path("own/", own_policy), path("health/", page)], middleware=middleware
        )
    )


def test_every_response_gets_the_default_security_headers() -> None:
    with client(SecurityMiddleware) as c:
        response = c.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


def test_a_header_the_view_set_is_left_alone() -> None:
    with client(SecurityMiddleware) as c:
        assert c.get("/own/")["Referrer-Policy"] == "no-referrer"


def test_error_pages_get_the_headers_too() -> None:
    with client(SecurityMiddleware) as c:
        response = c.get("/missing/")
    assert response.status_code == 404
    assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https_only() -> None:
    configured = SecurityMiddleware.configure(
        hsts_seconds=31536000, hsts_include_subdomains=True, hsts_preload=True
    )
    with client(configured) as c:
        secure = c.get("/", secure=True)
        plain = c.get("/")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in plain


def test_ssl_redirect_sends_plain_http_to_https_keeping_path_and_query() -> None:
    configured = SecurityMiddleware.configure(ssl_redirect=True, redirect_exempt=[r"^health/$"])
    with client(configured) as c:
        redirected = c.get("/", {"q": "a b"})
        exempt = c.get("/health/")
        secure = c.get("/", secure=True)
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/?q=a+b"
    assert redirected["X-Content-Type-Options"] == "nosniff"  # the redirect is a response too
    assert (exempt.status_code, secure.status_code) == (200, 200)


def test_ssl_host_names_where_to_redirect() -> None:
    configured = SecurityMiddleware.configure(ssl_redirect=True, ssl_host="secure.example.com")
    with client(configured) as c:
        assert c.get("/x?y=1")["Location"] == "https://secure.example.com/x?y=1"


def test_policies_can_be_changed_or_turned_off() -> None:
    configured = SecurityMiddleware.configure(
        referrer_policy=["strict-origin", "no-referrer"],
        cross_origin_opener_policy=None,
        content_type_nosniff=False,
    )
    with client(configured) as c:
        response = c.get("/")
    assert response["Referrer-Policy"] == "strict-origin,no-referrer"
    assert "Cross-Origin-Opener-Policy" not in response
    assert "X-Content-Type-Options" not in response


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"referrer_policy": "sometimes"}, "unknown referrer_policy"),
        ({"cross_origin_opener_policy": "open"}, "unknown cross_origin_opener_policy"),
        ({"hsts_seconds": -1}, "hsts_seconds must be 0"),
    ],
)
def test_a_bad_option_fails_when_the_app_starts(options: dict[str, object], message: str) -> None:
    app = App([path("", page)], middleware=[SecurityMiddleware.configure(**options)])
    with pytest.raises(ImproperlyConfigured, match=message):
        app.build()

"""SecurityMiddleware: Django's headers and HTTPS redirect, configured by keyword.

Each behaviour runs through ASGI and WSGI (tests/parity.py): the scheme the redirect and
HSTS depend on comes from the scope or from `wsgi.url_scheme`.
"""

from __future__ import annotations

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import SecurityMiddleware
from legato.urls import path
from tests.parity import Both, ServeBoth


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


async def own_policy(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("mine")
    response["Referrer-Policy"] = "no-referrer"
    return response


def served(both: ServeBoth, *middleware: object) -> Both:
    routes = [path("", page), path("own/", own_policy), path("health/", page)]
    return both(lambda: App(routes, middleware=middleware))


def test_every_response_gets_the_default_security_headers(both: ServeBoth) -> None:
    headers = served(both, SecurityMiddleware).get("/").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "strict-transport-security" not in headers


def test_a_header_the_view_set_is_left_alone(both: ServeBoth) -> None:
    assert served(both, SecurityMiddleware).get("/own/").headers["referrer-policy"] == "no-referrer"


def test_error_pages_get_the_headers_too(both: ServeBoth) -> None:
    response = served(both, SecurityMiddleware).get("/missing/")
    assert response.status == 404
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hsts_is_sent_over_https_only(both: ServeBoth) -> None:
    configured = SecurityMiddleware.configure(
        hsts_seconds=31536000, hsts_include_subdomains=True, hsts_preload=True
    )
    pair = served(both, configured)
    secure, plain = pair.get("/", secure=True), pair.get("/")
    assert secure.headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "strict-transport-security" not in plain.headers


def test_ssl_redirect_sends_plain_http_to_https_keeping_path_and_query(both: ServeBoth) -> None:
    configured = SecurityMiddleware.configure(ssl_redirect=True, redirect_exempt=[r"^health/$"])
    pair = served(both, configured)
    redirected = pair.get("/?q=a+b")
    exempt = pair.get("/health/")
    secure = pair.get("/", secure=True)
    assert redirected.status == 301
    assert redirected.headers["location"] == "https://testserver/?q=a+b"
    # the redirect is a response too
    assert redirected.headers["x-content-type-options"] == "nosniff"
    assert (exempt.status, secure.status) == (200, 200)


def test_ssl_host_names_where_to_redirect(both: ServeBoth) -> None:
    configured = SecurityMiddleware.configure(ssl_redirect=True, ssl_host="secure.example.com")
    location = served(both, configured).get("/x?y=1").headers["location"]
    assert location == "https://secure.example.com/x?y=1"


def test_policies_can_be_changed_or_turned_off(both: ServeBoth) -> None:
    configured = SecurityMiddleware.configure(
        referrer_policy=["strict-origin", "no-referrer"],
        cross_origin_opener_policy=None,
        content_type_nosniff=False,
    )
    headers = served(both, configured).get("/").headers
    assert headers["referrer-policy"] == "strict-origin,no-referrer"
    assert "cross-origin-opener-policy" not in headers
    assert "x-content-type-options" not in headers


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


def test_an_instance_called_directly_adds_the_headers_as_in_a_django_unit_test() -> None:
    def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")

    response = SecurityMiddleware(get_response)(HttpRequest())
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"

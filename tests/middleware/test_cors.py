"""CorsMiddleware: which origins get CORS headers, preflight answers, under ASGI and WSGI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import CorsMiddleware
from legato.urls import path
from tests.parity import Both, ServeBoth

APP_ORIGIN = "https://app.example.com"
calls: list[str] = []


async def api(request: HttpRequest) -> HttpResponse:
    calls.append(request.method or "")
    return HttpResponse("data")


def served(both: ServeBoth, **options: object) -> Both:
    options.setdefault("allowed_origins", [APP_ORIGIN])
    routes = [path("api/", api), path("page/", api)]
    return both(lambda: App(routes, middleware=[CorsMiddleware.configure(**options)]))


def preflight(pair: Both, origin: str = APP_ORIGIN, **headers: str) -> dict[str, str]:
    sent = {"Origin": origin, "Access-Control-Request-Method": "PUT", **headers}
    response = pair.request("OPTIONS", "/api/", headers=sent)
    assert response.status == 200
    assert response.body == b""
    return response.headers


def test_an_allowed_origin_is_answered_with_its_own_name(both: ServeBoth) -> None:
    headers = served(both).get("/api/", headers={"Origin": APP_ORIGIN}).headers
    assert headers["access-control-allow-origin"] == APP_ORIGIN
    assert headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in headers
    assert "access-control-allow-methods" not in headers  # a preflight answer only


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://app.example.com",  # another scheme
        "https://app.example.com:8443",  # another port
        "https://app.example.com.evil.example",
        "https://app.example.com/path",
        "https://user@app.example.com",
        " https://app.example.com",
        "null",
        "app.example.com",
        "https://[::1",
        "https://app.example.com:99999",
    ],
)
def test_any_other_origin_gets_no_cors_headers(both: ServeBoth, origin: str) -> None:
    headers = served(both).get("/api/", headers={"Origin": origin}).headers
    assert "access-control-allow-origin" not in headers
    assert headers["vary"] == "Origin"


@pytest.mark.parametrize(
    "origin", ["https://APP.example.com", "HTTPS://app.example.com", "https://app.example.com:443"]
)
def test_origins_compare_as_scheme_host_and_port(both: ServeBoth, origin: str) -> None:
    headers = served(both).get("/api/", headers={"Origin": origin}).headers
    assert headers["access-control-allow-origin"] == origin


def test_a_request_without_origin_gets_only_vary(both: ServeBoth) -> None:
    headers = served(both).get("/api/").headers
    assert "access-control-allow-origin" not in headers
    assert headers["vary"] == "Origin"


def test_a_preflight_is_answered_without_the_view(both: ServeBoth) -> None:
    calls.clear()
    headers = preflight(served(both, preflight_max_age=600, allow_private_network=True))
    assert calls == []
    assert headers["access-control-allow-origin"] == APP_ORIGIN
    assert headers["access-control-allow-methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
    assert "content-type" in headers["access-control-allow-headers"].split(", ")
    assert headers["access-control-max-age"] == "600"
    assert "access-control-allow-private-network" not in headers


def test_a_preflight_from_an_unknown_origin_gets_no_permission(both: ServeBoth) -> None:
    headers = preflight(served(both), origin="https://evil.example")
    assert "access-control-allow-origin" not in headers
    assert "access-control-allow-methods" not in headers


def test_a_plain_options_request_reaches_the_view(both: ServeBoth) -> None:
    calls.clear()
    served(both).request("OPTIONS", "/api/", headers={"Origin": APP_ORIGIN})
    assert calls == ["OPTIONS", "OPTIONS"]  # once per server


def test_methods_headers_and_expose_headers_are_configurable(both: ServeBoth) -> None:
    pair = served(
        both,
        allow_methods=["get", "post"],
        allow_headers=["X-Token"],
        expose_headers=["X-Total", "X-Page"],
        preflight_max_age=0,
        allow_private_network=True,
    )
    headers = preflight(pair, **{"Access-Control-Request-Private-Network": "true"})
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert headers["access-control-allow-headers"] == "x-token"
    assert headers["access-control-expose-headers"] == "X-Total, X-Page"
    assert headers["access-control-allow-private-network"] == "true"
    assert "access-control-max-age" not in headers


def test_credentials_are_allowed_for_listed_origins_only(both: ServeBoth) -> None:
    pair = served(both, allow_credentials=True)
    allowed = pair.get("/api/", headers={"Origin": APP_ORIGIN}).headers
    assert allowed["access-control-allow-origin"] == APP_ORIGIN
    assert allowed["access-control-allow-credentials"] == "true"
    other = pair.get("/api/", headers={"Origin": "https://evil.example"}).headers
    assert "access-control-allow-origin" not in other
    assert "access-control-allow-credentials" not in other


def test_regexes_must_match_the_whole_origin(both: ServeBoth) -> None:
    pair = served(both, allowed_origins=[], allowed_origin_regexes=[r"https://\w+\.example\.com"])
    ok = pair.get("/api/", headers={"Origin": "https://shop.example.com"}).headers
    assert ok["access-control-allow-origin"] == "https://shop.example.com"
    for origin in ("https://shop.example.com.evil.net", "null", "http://shop.example.com"):
        headers = pair.get("/api/", headers={"Origin": origin}).headers
        assert "access-control-allow-origin" not in headers, origin


def test_allow_all_origins_answers_a_star(both: ServeBoth) -> None:
    pair = served(both, allowed_origins=[], allow_all_origins=True)
    for origin in ("https://anyone.example", "null"):
        headers = pair.get("/api/", headers={"Origin": origin}).headers
        assert headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in headers


def test_the_null_origin_is_allowed_only_when_listed(both: ServeBoth) -> None:
    pair = served(both, allowed_origins=["null"], allow_credentials=True)
    headers = pair.get("/api/", headers={"Origin": "null"}).headers
    assert headers["access-control-allow-origin"] == "null"


def test_urls_regex_limits_where_cors_applies(both: ServeBoth) -> None:
    pair = served(both, urls_regex=r"^/api/")
    api_headers = pair.get("/api/", headers={"Origin": APP_ORIGIN}).headers
    assert "access-control-allow-origin" in api_headers
    page = pair.get("/page/", headers={"Origin": APP_ORIGIN}).headers
    assert "access-control-allow-origin" not in page
    assert "vary" not in page


def test_allow_all_origins_with_credentials_is_refused_at_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="allowed_origins"):
        CorsMiddleware.configure(allow_all_origins=True, allow_credentials=True)(api)


@pytest.mark.parametrize("origin", ["example.com", "https://example.com/", "https://x.com/a", ""])
def test_an_allowed_origin_that_is_not_an_origin_is_refused(origin: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        CorsMiddleware.configure(allowed_origins=[origin])(api)


@given(st.text())
def test_any_origin_header_is_judged_without_raising(origin: str) -> None:
    # The regex matches "x", which is no origin (no scheme): garbage is never allowed.
    middleware = CorsMiddleware(api, allowed_origins=[APP_ORIGIN], allowed_origin_regexes=["x"])
    assert middleware.allows(origin) is (origin.lower() == APP_ORIGIN)

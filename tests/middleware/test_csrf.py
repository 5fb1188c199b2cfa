"""CsrfViewMiddleware: unsafe methods from another site's page are refused with 403.

A browser marks where a request comes from with `Sec-Fetch-Site` and `Origin`; the
middleware decides from those alone. The property tests throw arbitrary header values
at it: whatever they are, a safe method passes and a cross-site unsafe one never does.
Every request goes through ASGI and WSGI at once (tests/parity.py): the host and scheme
the check compares with come from the ASGI scope or the WSGI environ.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import CsrfViewMiddleware
from legato.urls import path
from legato.views.decorators import csrf_exempt
from tests.parity import Both


async def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{request.method} ok")


@csrf_exempt
async def webhook(request: HttpRequest) -> HttpResponse:
    return HttpResponse("webhook ok")


def make_app() -> App:
    trusted = ["https://partner.example", "https://*.example.org"]
    return App(
        [path("form/", form), path("hook/", webhook)],
        middleware=[CsrfViewMiddleware.configure(trusted_origins=trusted)],
        allowed_hosts=["testserver"],
    )


# One pair for the module (the property tests send hundreds of requests), so not the
# function-scoped `both` fixture.
@pytest.fixture(scope="module")
def client() -> Iterator[Both]:
    pair = Both(make_app)
    yield pair
    pair.close()


def post(client: Both, **headers: str) -> int:
    return client.post("/form/", {"a": "1"}, headers=headers).status


def test_a_same_origin_post_passes(client: Both) -> None:
    assert post(client, **{"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}) == 200
    assert post(client, Origin="http://testserver") == 200  # older browser: Origin only


def test_a_request_with_neither_header_is_not_from_a_browser_and_passes(client: Both) -> None:
    assert post(client) == 200


def test_a_cross_site_post_is_refused(client: Both) -> None:
    assert post(client, **{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}) == 403
    assert post(client, **{"Sec-Fetch-Site": "same-site", "Origin": "http://a.testserver"}) == 403
    assert post(client, Origin="https://evil.test") == 403
    assert post(client, Origin="null") == 403  # a sandboxed frame or a data: URL


def test_a_user_typed_navigation_passes(client: Both) -> None:
    assert post(client, **{"Sec-Fetch-Site": "none"}) == 200


def test_trusted_origins_and_their_subdomains_pass(client: Both) -> None:
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert post(client, **cross, Origin="https://partner.example") == 200
    assert post(client, **cross, Origin="https://shop.example.org") == 200
    assert post(client, **cross, Origin="https://example.org") == 403  # not a subdomain
    assert post(client, **cross, Origin="http://shop.example.org") == 403  # other scheme
    assert post(client, **cross, Origin="https://evil.test/.example.org") == 403


def test_safe_methods_are_never_checked(client: Both) -> None:
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}
    for method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        assert client.request(method, "/form/", headers=cross).status == 200


def test_an_exempt_view_accepts_cross_site_posts(client: Both) -> None:
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}
    assert client.post("/hook/", {}, headers=cross).status == 200


def test_the_refusal_says_why_to_the_client_and_in_the_log(
    client: Both, caplog: pytest.LogCaptureFixture
) -> None:
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}
    page = client.post("/form/", {}, headers=cross)
    data = client.post("/form/", {}, headers={**cross, "Accept": "application/json"})
    assert "CSRF check failed: a cross-site POST from https://evil.test" in page.text
    assert json.loads(data.body)["detail"].endswith(
        "add it to CsrfViewMiddleware's trusted_origins."
    )
    assert "Forbidden (CSRF check failed: a cross-site POST from https://evil.test" in caplog.text
    assert "): /form/" in caplog.text


def test_a_malformed_wildcard_is_refused_when_the_app_starts() -> None:
    app = App(
        [path("form/", form)],
        middleware=[CsrfViewMiddleware.configure(trusted_origins=["https://*.example.org/x"])],
    )
    with pytest.raises(ImproperlyConfigured, match="trusted origin"):
        app.build()


header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=header_text, site=st.one_of(st.none(), header_text))
def test_safe_methods_pass_whatever_the_headers_say(
    client: Both, origin: str, site: str | None
) -> None:
    headers = {"Origin": origin} if site is None else {"Origin": origin, "Sec-Fetch-Site": site}
    assert client.get("/form/", headers=headers).status == 200


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=header_text, site=st.sampled_from(["cross-site", "same-site"]))
def test_cross_site_posts_are_refused_unless_the_origin_is_trusted(
    client: Both, origin: str, site: str
) -> None:
    status = post(client, **{"Sec-Fetch-Site": site, "Origin": origin})
    trusted = origin.lower() == "https://partner.example" or (
        origin.lower().startswith("https://")
        and origin.lower().endswith(".example.org")
        and not set("/@?#") & set(origin.lower().removeprefix("https://"))
    )
    assert status == (200 if trusted else 403)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(origin=header_text)
def test_without_fetch_metadata_only_this_host_or_a_trusted_origin_passes(
    client: Both, origin: str
) -> None:
    status = post(client, Origin=origin)
    assert status in (200, 403)  # never an error page: malformed origins are just refused
    if status == 200:
        lowered = origin.lower()
        assert (
            lowered.split("://", 1)[-1] == "testserver"
            or lowered == "https://partner.example"
            or lowered.endswith(".example.org")
        )


def test_an_instance_called_directly_passes_the_request_on() -> None:
    # Django's CSRF checks run in process_view, which a direct call does not reach.
    def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")

    assert CsrfViewMiddleware(get_response)(HttpRequest()).content == b"page"

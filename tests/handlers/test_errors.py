"""Exceptions become responses in one place; production leaks nothing, debug shows all.

Behaviours that must not depend on the server run through ASGI and WSGI at once (the
`both` fixture, tests/parity.py).
"""

from __future__ import annotations

import asyncio
import io
import logging
import warnings

import pytest

from legato import App
from legato.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from legato.http import Http404, HttpRequest, HttpResponse
from legato.test import Client
from legato.urls import path
from tests.parity import ServeBoth


def raising(exc: BaseException):  # type: ignore[no-untyped-def]
    async def view(request: HttpRequest, **kwargs: object) -> HttpResponse:
        raise exc

    return view


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (Http404("no such thing"), 404),
        (PermissionDenied(), 403),
        (BadRequest("bad"), 400),
        (SuspiciousOperation("tampering"), 400),
        (RequestDataTooBig("too big"), 413),
        (RuntimeError("boom"), 500),
    ],
)
def test_exception_maps_to_status(both: ServeBoth, exc: Exception, status: int) -> None:
    assert both(lambda: App([path("", raising(exc))])).get("/").status == status


def test_production_500_leaks_nothing_and_logs_the_request_with_its_id(
    both: ServeBoth, caplog: pytest.LogCaptureFixture
) -> None:
    pair = both(lambda: App([path("boom/", raising(RuntimeError("secret detail")))]))
    with caplog.at_level(logging.ERROR, logger="legato.request"):
        response = pair.get("/boom/", headers={"X-Request-ID": "req-42"})
    assert response.status == 500
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    records = [r for r in caplog.records if r.name == "legato.request"]
    assert len(records) == 2  # one per server
    for record in records:
        assert record.getMessage() == "Internal Server Error: /boom/"  # Django's words
        assert (record.request.method, record.request.id) == ("GET", "req-42")
        assert record.exc_info is not None


def test_test_client_reraises_view_exceptions_by_default() -> None:
    app = App([path("", raising(RuntimeError("visible in the test")))])
    with Client(app) as client, pytest.raises(RuntimeError, match="visible in the test"):
        client.get("/")


# The debug page's traceback shows the framework's own frames, which differ between the
# ASGI path and WSGI's sync chain: these two run through the test client only.
def test_debug_page_shows_traceback_request_and_route_as_text() -> None:
    app = App([path("things/<int:pk>/", raising(ValueError("broken thing")))], debug=True)
    with Client(app, raise_request_exception=False) as client:
        response = client.get("/things/3/?q=1")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert "ValueError: broken thing" in response.text
    assert "Traceback" in response.text
    assert "GET /things/3/?q=1" in response.text
    assert "route: things/<int:pk>/" in response.text


def test_debug_page_is_html_for_browsers_and_escapes() -> None:
    app = App([path("", raising(ValueError("<script>alert(1)</script>")))], debug=True)
    with Client(app, raise_request_exception=False) as client:
        response = client.get("/", headers={"Accept": "text/html"})
    assert response["Content-Type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_debug_404_lists_the_patterns_tried(both: ServeBoth) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    pair = both(lambda: App([path("alpha/", view), path("beta/<slug:s>/", view)], debug=True))
    response = pair.get("/gamma/", headers={"X-Request-ID": "req-1"})
    assert response.status == 404
    assert "alpha/" in response.text
    assert "beta/<slug:s>/" in response.text


def test_custom_error_views_replace_the_built_in_pages(both: ServeBoth) -> None:
    async def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
        return HttpResponse("custom 404", status=404)

    def server_error(request: HttpRequest) -> HttpResponse:
        return HttpResponse("custom 500", status=500)

    pair = both(
        lambda: App(
            [path("boom/", raising(RuntimeError()))], handler404=not_found, handler500=server_error
        )
    )
    assert pair.get("/nowhere/").text == "custom 404"
    assert pair.get("/boom/").text == "custom 500"


def test_failing_error_view_falls_back_to_the_built_in_page(both: ServeBoth) -> None:
    async def bad_handler(request: HttpRequest, exception: Exception) -> HttpResponse:
        raise RuntimeError("handler broke too")

    response = both(lambda: App([], handler404=bad_handler)).get("/x/")
    assert response.status == 404
    assert "Not Found" in response.text


def test_view_returning_unawaited_coroutine_is_a_clear_500(
    both: ServeBoth, caplog: pytest.LogCaptureFixture
) -> None:
    async def helper() -> HttpResponse:
        return HttpResponse()

    async def forgot_await(request: HttpRequest) -> HttpResponse:
        return helper()  # type: ignore[return-value]

    pair = both(lambda: App([path("", forgot_await)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "never awaited" RuntimeWarning would fail here
        response = pair.get("/")
    assert response.status == 500
    message = caplog.text  # the ValueError, in the 500's traceback
    assert "forgot_await didn't return an HttpResponse object" in message
    assert "unawaited coroutine" in message
    assert "add an 'await'" in message


@pytest.mark.parametrize(("returned", "wording"), [(None, "None"), (42, "int")])
def test_view_returning_a_non_response_names_what_it_returned(
    both: ServeBoth, returned: object, wording: str, caplog: pytest.LogCaptureFixture
) -> None:
    def odd_view(request: HttpRequest) -> object:
        return returned

    assert both(lambda: App([path("", odd_view)])).get("/").status == 500
    message = caplog.text
    assert f"odd_view didn't return an HttpResponse object. It returned {wording}" in message or (
        f"returned a {wording} instead" in message
    )


def test_bad_host_is_a_400_before_the_view_runs(both: ServeBoth) -> None:
    calls: list[str] = []

    async def view(request: HttpRequest) -> HttpResponse:
        calls.append("called")
        return HttpResponse()

    pair = both(lambda: App([path("", view)], allowed_hosts=["example.com"]))
    assert pair.get("/", headers={"Host": "evil.test"}).status == 400
    assert pair.get("/", headers={"Host": "example.com"}).status == 200
    assert calls == ["called", "called"]  # once per server, for the allowed host only


def test_malformed_json_is_a_400_that_says_so(both: ServeBoth) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.json()))

    response = both(lambda: App([path("", view)])).post("/", b"{not json", "application/json")
    assert response.status == 400
    assert "Malformed JSON" in response.text


def test_oversized_body_is_a_413(both: ServeBoth) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(len(request.body)))

    pair = both(lambda: App([path("", view)], data_upload_max_memory_size=1000))
    assert pair.post("/", b"x" * 999, "text/plain").text == "999"
    assert pair.post("/", b"x" * 1001, "text/plain").status == 413


def test_multipart_count_limits_are_app_settings_and_the_400_names_them(
    both: ServeBoth,
) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(len(request.POST.getlist("a"))))

    pair = both(
        lambda: App(
            [path("", view)],
            data_upload_max_number_fields=None,
            data_upload_max_number_files=1,
            data_upload_max_number_parts=3,
        )
    )
    assert pair.post("/", {"a": ["1", "2", "3"]}).text == "3"
    too_many_parts = pair.post("/", {"a": ["1", "2", "3", "4"]})
    too_many_files = pair.post("/", {"f": [io.BytesIO(b"x"), io.BytesIO(b"y")]})
    assert too_many_parts.status == 400
    assert "more than 3 parts (data_upload_max_number_parts)" in too_many_parts.text
    assert too_many_files.status == 400
    assert "more than 1 files (data_upload_max_number_files)" in too_many_files.text


def test_json_clients_get_json_errors(both: ServeBoth) -> None:
    response = both(lambda: App([])).get("/nope/", headers={"Accept": "application/json"})
    assert response.status == 404
    assert response.text == '{"error":"Not Found","status":404}'


def test_slow_view_past_app_timeout_is_a_504(both: ServeBoth) -> None:
    async def slow(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(5)
        return HttpResponse()

    assert both(lambda: App([path("", slow)], request_timeout=0.05)).get("/").status == 504


def test_logging_of_4xx_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), Client(App([])) as client:
        client.get("/missing/")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

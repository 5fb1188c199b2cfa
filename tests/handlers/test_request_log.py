"""The request log: Django's wording, one record per error response, extras, escaping.

Each request goes through ASGI and WSGI (tests/parity.py), so every expectation below
is met twice: one record per server.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from legato import App
from legato.exceptions import BadRequest, DisallowedHost, PermissionDenied
from legato.handlers.request_log import log_response
from legato.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from legato.middleware import CsrfViewMiddleware
from legato.urls import path
from legato.views import View
from tests.parity import Both, ServeBoth


def raising(exc: Exception) -> Any:
    async def view(request: HttpRequest) -> HttpResponse:
        raise exc

    return view


async def not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponseNotFound("gone")


async def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


class OnlyGet(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


class Teapot:
    """An ordinary middleware that answers 418 itself."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/teapot/"):
            return HttpResponse(status=418)
        response: HttpResponse = await self.get_response(request)
        return response


def app() -> App:
    return App(
        [
            path("raise404/", raising(Http404("no such item"))),
            path("returned404/", not_found),
            path("forbidden/", raising(PermissionDenied("not yours"))),
            path("bad/", raising(BadRequest("Malformed thing"))),
            path("suspicious/", raising(DisallowedHost("Invalid HTTP_HOST header: 'x'"))),
            path("boom/", raising(RuntimeError("secret"))),
            path("view/", OnlyGet.as_view()),
            path("form/", ok),
            path("ok/", ok),
        ],
        middleware=[Teapot, CsrfViewMiddleware],
    )


@pytest.fixture
def pair(both: ServeBoth, caplog: pytest.LogCaptureFixture) -> Both:
    caplog.set_level(logging.INFO, logger="legato")
    return both(app)


def records(caplog: pytest.LogCaptureFixture, name: str = "legato.request") -> list[Any]:
    return [record for record in caplog.records if record.name == name]


def assert_logged_once_per_server(
    caplog: pytest.LogCaptureFixture, message: str, level: int, status: int, name: str
) -> list[Any]:
    logged = records(caplog, name)
    assert [record.getMessage() for record in logged] == [message, message]
    for record in logged:
        assert record.levelno == level
        assert record.status_code == status
        assert isinstance(record.request, HttpRequest)
    return logged


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/nowhere/", 404, "Not Found: /nowhere/"),
        ("/raise404/", 404, "Not Found: /raise404/"),
        ("/returned404/", 404, "Not Found: /returned404/"),
        ("/bad/", 400, "Malformed thing: /bad/"),
        ("/teapot/", 418, "I'm a Teapot: /teapot/"),
    ],
)
def test_a_4xx_is_one_warning_worded_as_djangos(
    pair: Both, caplog: pytest.LogCaptureFixture, url: str, status: int, message: str
) -> None:
    assert pair.get(url).status == status
    assert_logged_once_per_server(caplog, message, logging.WARNING, status, "legato.request")


def test_permission_denied_is_forbidden_with_the_exception(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.get("/forbidden/").status == 403
    logged = assert_logged_once_per_server(
        caplog, "Forbidden (Permission denied): /forbidden/", logging.WARNING, 403, "legato.request"
    )
    assert all(record.exc_info is not None for record in logged)


def test_a_server_error_is_one_error_with_its_traceback(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.get("/boom/").status == 500
    logged = assert_logged_once_per_server(
        caplog, "Internal Server Error: /boom/", logging.ERROR, 500, "legato.request"
    )
    assert all(record.exc_info[1].args == ("secret",) for record in logged)


def test_a_suspicious_operation_is_an_error_on_its_security_logger(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.get("/suspicious/").status == 400
    assert_logged_once_per_server(
        caplog,
        "Invalid HTTP_HOST header: 'x'",
        logging.ERROR,
        400,
        "legato.security.DisallowedHost",
    )
    assert not records(caplog)  # and not again on legato.request


def test_a_disallowed_host_is_logged_once_on_the_security_logger(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.get("/ok/", headers={"Host": "evil.example"}).status == 400
    assert len(records(caplog, "legato.security.DisallowedHost")) == 2
    assert not records(caplog)


def test_method_not_allowed_carries_the_extras_and_is_not_logged_again(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.request("PUT", "/view/").status == 405
    assert_logged_once_per_server(
        caplog, "Method Not Allowed (PUT): /view/", logging.WARNING, 405, "legato.request"
    )


def test_a_csrf_refusal_is_forbidden_with_its_reason_on_the_csrf_logger(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    response = pair.request("POST", "/form/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == 403
    logged = records(caplog, "legato.security.csrf")
    assert len(logged) == 2
    assert logged[0].getMessage().startswith("Forbidden (CSRF check failed: a cross-site POST")
    assert logged[0].getMessage().endswith("): /form/")
    assert logged[0].levelno == logging.WARNING
    assert not records(caplog)


def test_a_successful_response_is_not_logged(pair: Both, caplog: pytest.LogCaptureFixture) -> None:
    assert pair.get("/ok/").status == 200
    assert not [record for record in caplog.records if record.name.startswith("legato")]


def test_the_path_is_escaped_so_it_cannot_forge_a_line(
    pair: Both, caplog: pytest.LogCaptureFixture
) -> None:
    assert pair.get("/nowhere%0Aforged%1B/").status == 404
    message = records(caplog)[0].getMessage()
    assert message == "Not Found: /nowhere\\x0aforged\\x1b/"


def test_log_response_logs_a_response_once_at_the_level_of_its_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request, response = HttpRequest(), HttpResponse(status=503)
    with caplog.at_level(logging.INFO, logger="legato.request"):
        log_response("%s: %s", "Service Unavailable", "/x", response=response, request=request)
        log_response("again: %s", "/x", response=response, request=request)
        log_response("info: %s", "/y", response=HttpResponse(status=302), request=request)
    assert [(r.levelno, r.getMessage()) for r in records(caplog)] == [
        (logging.ERROR, "Service Unavailable: /x"),
        (logging.INFO, "info: /y"),
    ]

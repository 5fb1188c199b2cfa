"""One set of behaviours through ASGI (the test client) and WSGI: the same bytes out.

The `both` fixture (tests/conftest.py, tests/parity.py) builds the app twice from one
factory, serves one copy through `legato.test.Client` (the real ASGI entry point) and the
other through its WSGI callable (driven as gunicorn would), sends each request to both
and fails on any difference in status, headers, cookies or body. Tests then assert what
the response should be. Other modules use the same fixture for their own behaviours.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from legato import App
from legato.exceptions import PermissionDenied
from legato.http import (
    EventStreamResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    ServerSentEvent,
    StreamingHttpResponse,
)
from legato.test.encoding import MULTIPART_CONTENT, encode_multipart
from legato.urls import path
from tests.parity import Both, ServeBoth

# ---------------------------------------------------------------- the app under test


def shout(get_response: Any) -> Any:
    """Sync middleware: a header on every response, and a hook that answers /hooked/."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response: HttpResponse = get_response(request)
        response["X-Sync-Middleware"] = "yes"
        return response

    def process_view(request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
        if request.path == "/hooked/":
            return HttpResponse("answered by process_view")
        return None

    def process_exception(request: HttpRequest, exc: Exception) -> Any:
        if isinstance(exc, LookupError):
            return HttpResponse(f"handled {type(exc).__name__}", status=409)
        return None

    middleware.process_view = process_view  # type: ignore[attr-defined]
    middleware.process_exception = process_exception  # type: ignore[attr-defined]
    return middleware


def stamp(get_response: Any) -> Any:
    """Async-only middleware."""

    async def middleware(request: HttpRequest) -> HttpResponse:
        response: HttpResponse = await get_response(request)
        response["X-Async-Middleware"] = request.method
        return response

    return middleware


stamp.async_capable = True  # type: ignore[attr-defined]
stamp.sync_capable = False  # type: ignore[attr-defined]


async def async_hello(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(0)
    return HttpResponse("Hello, async!")


def sync_hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, sync!", content_type="text/plain; charset=utf-8")


async def echo_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"received": request.json(), "method": request.method})


def upload(request: HttpRequest) -> JsonResponse:
    files = {
        name: [f.name, f.size, f.read().decode(), f.content_type]
        for name, f in request.FILES.items()
    }
    return JsonResponse({"fields": dict(request.POST.items()), "files": files})


async def cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(f"flavour={request.COOKIES.get('flavour', 'none')}")
    response.set_cookie("visited", "yes", max_age=60, httponly=True, samesite="Lax")
    response.delete_cookie("old")
    return response


def redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/async/?from=redirect")


async def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("no")


async def lookup_error(request: HttpRequest) -> HttpResponse:
    raise KeyError("missing")


def query(request: HttpRequest, name: str) -> JsonResponse:
    return JsonResponse(
        {
            "name": name,
            "get": {key: request.GET.getlist(key) for key in request.GET},
            "path": request.path,
            "full": request.get_full_path(),
            "remote": request.META.get("REMOTE_ADDR"),
            "agent": request.headers.get("User-Agent"),
        }
    )


def sync_stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(f"line {index}\n" for index in range(5))


async def numbers() -> AsyncIterator[str]:
    for index in range(5):
        await asyncio.sleep(0)
        yield f"number {index}\n"


async def async_stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(numbers(), content_type="text/plain")


async def events(request: HttpRequest) -> EventStreamResponse:
    async def source() -> AsyncIterator[Any]:
        yield ServerSentEvent({"n": 1}, event="tick", id=1)
        yield "plain text"

    return EventStreamResponse(source(), heartbeat=None)


def make_app() -> App:
    return App(
        [
            path("async/", async_hello),
            path("sync/", sync_hello),
            path("hooked/", sync_hello),
            path("json/", echo_json),
            path("upload/", upload),
            path("cookies/", cookies),
            path("redirect/", redirect),
            path("boom/", boom),
            path("forbidden/", forbidden),
            path("lookup/", lookup_error),
            path("query/<str:name>/", query),
            path("stream/sync/", sync_stream),
            path("stream/async/", async_stream),
            path("events/", events),
        ],
        middleware=[shout, stamp],
        data_upload_max_memory_size=1000,
    )


# ---------------------------------------------------------------- the fixture


@pytest.fixture
def both(both: ServeBoth) -> Both:
    """This module's pair: conftest's `both`, given the app above."""
    return both(make_app)


# ---------------------------------------------------------------- views and middleware


def test_async_view_answers_the_same(both: Both) -> None:
    response = both.request("GET", "/async/")
    assert response.status == 200
    assert response.text == "Hello, async!"
    assert response.headers["x-sync-middleware"] == "yes"
    assert response.headers["x-async-middleware"] == "GET"
    assert response.headers["content-length"] == "13"


def test_sync_view_answers_the_same(both: Both) -> None:
    response = both.request("GET", "/sync/")
    assert (response.status, response.text) == (200, "Hello, sync!")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_process_view_hook_answers_the_same(both: Both) -> None:
    assert both.request("GET", "/hooked/").text == "answered by process_view"


def test_process_exception_hook_answers_the_same(both: Both) -> None:
    response = both.request("GET", "/lookup/")
    assert (response.status, response.text) == (409, "handled KeyError")


def test_head_answers_the_same(both: Both) -> None:
    response = both.request("HEAD", "/async/")
    assert (response.status, response.body) == (200, b"")
    assert response.headers["content-length"] == "13"


def test_query_path_and_headers_arrive_the_same(both: Both) -> None:
    response = both.request(
        "GET", "/query/caf%C3%A9/?a=1&a=2&b=%C3%BC", headers={"User-Agent": "parity/1.0"}
    )
    assert response.status == 200
    assert response.text == (
        '{"name":"café","get":{"a":["1","2"],"b":["ü"]},"path":"/query/café/",'
        '"full":"/query/caf%C3%A9/?a=1&a=2&b=%C3%BC","remote":"127.0.0.1",'
        '"agent":"parity/1.0"}'
    )


# ---------------------------------------------------------------- errors


def test_not_found_answers_the_same(both: Both) -> None:
    response = both.request("GET", "/missing/")
    assert response.status == 404
    assert b"Not Found" in response.body


def test_append_slash_redirect_answers_the_same(both: Both) -> None:
    response = both.request("GET", "/async?x=1")
    assert response.status == 301
    assert response.headers["location"] == "/async/?x=1"


def test_malformed_json_answers_400_the_same(both: Both) -> None:
    response = both.request("POST", "/json/", b"{not json", "application/json")
    assert response.status == 400
    assert b"Malformed JSON" in response.body


def test_body_over_the_limit_answers_413_the_same(both: Both) -> None:
    response = both.request("POST", "/json/", b"[" + b"1," * 600 + b"1]", "application/json")
    assert response.status == 413


def test_disallowed_host_answers_400_the_same(both: Both) -> None:
    response = both.request("GET", "/async/", headers={"Host": "evil.example"})
    assert response.status == 400


def test_forbidden_answers_403_the_same(both: Both) -> None:
    assert both.request("GET", "/forbidden/").status == 403


def test_server_error_answers_500_the_same(both: Both) -> None:
    response = both.request("GET", "/boom/", headers={"Accept": "application/json"})
    assert response.status == 500
    assert response.text == '{"error":"Server Error","status":500}'


# ---------------------------------------------------------------- bodies in and out


def test_json_round_trip_is_the_same(both: Both) -> None:
    response = both.request("POST", "/json/", b'{"a": [1, 2], "b": "\xc3\xa9"}', "application/json")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == '{"received":{"a":[1,2],"b":"é"},"method":"POST"}'


def test_multipart_upload_is_the_same(both: Both) -> None:
    class Upload:
        name = "notes.txt"

        def read(self) -> bytes:
            return b"file body\r\nwith lines"

    body = encode_multipart(
        MULTIPART_CONTENT.split("boundary=")[1], {"title": "Notes", "doc": Upload()}
    )
    response = both.request("POST", "/upload/", body, MULTIPART_CONTENT)
    assert response.status == 200
    assert response.text == (
        '{"fields":{"title":"Notes"},'
        '"files":{"doc":["notes.txt",21,"file body\\r\\nwith lines","text/plain"]}}'
    )


def test_cookies_are_the_same(both: Both) -> None:
    response = both.request("GET", "/cookies/", headers={"Cookie": "flavour=oatmeal; x=1"})
    assert response.text == "flavour=oatmeal"
    assert response.cookies["visited"].startswith("visited=yes; expires=")
    assert "HttpOnly" in response.cookies["visited"]
    assert "Max-Age=60" in response.cookies["visited"]
    assert response.cookies["old"].startswith('old=""; expires=Thu, 01 Jan 1970')


def test_redirect_is_the_same(both: Both) -> None:
    response = both.request("GET", "/redirect/")
    assert response.status == 302
    assert response.headers["location"] == "/async/?from=redirect"


def test_sync_stream_is_the_same(both: Both) -> None:
    response = both.request("GET", "/stream/sync/")
    assert response.status == 200
    assert "content-length" not in response.headers
    assert response.text == "".join(f"line {index}\n" for index in range(5))


def test_async_stream_is_the_same(both: Both) -> None:
    response = both.request("GET", "/stream/async/")
    assert response.headers["content-type"] == "text/plain"
    assert response.text == "".join(f"number {index}\n" for index in range(5))


def test_event_stream_is_the_same(both: Both) -> None:
    response = both.request("GET", "/events/")
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == 'id: 1\nevent: tick\ndata: {"n":1}\n\ndata: plain text\n\n'

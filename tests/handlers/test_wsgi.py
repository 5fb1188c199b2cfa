"""The WSGI handler in-process: threads, the loop, lifespan, bodies, streams, errors.

`call_wsgi` plays the server: it builds a PEP 3333 environ as gunicorn would, calls the
app, iterates the body and closes it. Behaviours shared with ASGI are compared side by
side in test_wsgi_parity.py; this file covers what only WSGI has.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

from legato import App
from legato.exceptions import PermissionDenied
from legato.handlers.wsgi import WSGIHandler
from legato.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from legato.middleware import Middleware
from legato.sync import async_to_sync
from legato.urls import path
from legato.views.decorators import timeout

LOOP_THREAD = "legato-wsgi-loop"


# ---------------------------------------------------------------- the server's side


@dataclass
class WSGIResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    chunks: list[bytes] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ", ".join(values) if values else None

    @property
    def text(self) -> str:
        return self.body.decode()


def make_environ(
    method: str = "GET",
    url: str = "/",
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An environ as gunicorn builds it: PATH_INFO percent-decoded, bytes as latin-1."""
    parts = urlsplit(url)
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=unquote_to_bytes(parts.path).decode("latin-1"),
        QUERY_STRING=parts.query,
        SERVER_NAME="testserver",
        SERVER_PORT="80",
        HTTP_HOST="testserver",
        REMOTE_ADDR="127.0.0.1",
        REMOTE_PORT="50000",
    )
    environ["wsgi.input"] = io.BytesIO(body)
    if body or method not in ("GET", "HEAD"):
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = value
    environ.update(extra)
    return environ


@contextlib.contextmanager
def open_wsgi(application: Any, environ: dict[str, Any]) -> Iterator[tuple[WSGIResult, Any]]:
    """Start a response and yield it with its unread body iterator; close it afterwards."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return lambda data: None

    body = application(environ, start_response)
    try:
        status, headers = started[0]
        yield WSGIResult(int(status.split()[0]), headers, b""), iter(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def call_wsgi(application: Any, method: str = "GET", url: str = "/", **kwargs: Any) -> WSGIResult:
    with open_wsgi(application, make_environ(method, url, **kwargs)) as (result, chunks):
        result.chunks = list(chunks)
        result.body = b"".join(result.chunks)
    return result


@pytest.fixture
def serve() -> Iterator[Any]:
    """Turn an App into its WSGI callable, closed (lifespan shut-down) after the test."""
    handlers: list[WSGIHandler] = []

    def make(app: App) -> WSGIHandler:
        handler = app.as_wsgi()
        handlers.append(handler)
        return handler

    yield make
    for handler in handlers:
        handler.close()


# ---------------------------------------------------------------- threads and the loop


async def async_where(request: HttpRequest) -> HttpResponse:
    return HttpResponse(threading.current_thread().name)


def sync_where(request: HttpRequest) -> HttpResponse:
    return HttpResponse(threading.current_thread().name)


def test_async_view_runs_on_the_loop_thread(serve: Any) -> None:
    application = serve(App([path("", async_where)]))
    assert call_wsgi(application).text == LOOP_THREAD


def test_sync_view_runs_in_the_server_thread_without_a_hop(serve: Any) -> None:
    application = serve(App([path("", sync_where)]))
    assert call_wsgi(application).text == threading.current_thread().name


def test_sync_middleware_and_sync_view_stay_in_the_server_thread(serve: Any) -> None:
    seen: list[str] = []

    def record(get_response: Any) -> Any:
        def middleware(request: HttpRequest) -> HttpResponse:
            seen.append(threading.current_thread().name)
            response: HttpResponse = get_response(request)
            seen.append(threading.current_thread().name)
            return response

        return middleware

    application = serve(App([path("", sync_where)], middleware=[record]))
    here = threading.current_thread().name
    assert call_wsgi(application).text == here
    assert seen == [here, here]


def test_async_middleware_runs_on_the_loop_around_a_sync_view(serve: Any) -> None:
    seen: list[str] = []

    def record(get_response: Any) -> Any:
        async def middleware(request: HttpRequest) -> HttpResponse:
            seen.append(threading.current_thread().name)
            response: HttpResponse = await get_response(request)
            return response

        return middleware

    record.async_capable = True  # type: ignore[attr-defined]
    record.sync_capable = False  # type: ignore[attr-defined]
    application = serve(App([path("", sync_where)], middleware=[record]))
    response = call_wsgi(application)
    assert seen == [LOOP_THREAD]
    assert response.text.startswith("legato-sync")  # the pool, as under ASGI


def test_one_loop_serves_every_request_and_every_thread(serve: Any) -> None:
    loops: list[int] = []

    async def view(request: HttpRequest) -> HttpResponse:
        loops.append(id(asyncio.get_running_loop()))
        await asyncio.sleep(0.3)
        return HttpResponse("ok")

    application = serve(App([path("", view)]))
    call_wsgi(application)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(call_wsgi(application).status))
        for _ in range(10)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == [200] * 10
    assert len(set(loops)) == 1
    assert elapsed < 1.5, f"10 concurrent 0.3 s waits took {elapsed:.2f} s"


def test_async_to_sync_in_a_sync_view_runs_on_the_app_loop(serve: Any) -> None:
    async def where() -> str:
        return threading.current_thread().name

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(async_to_sync(where)())

    application = serve(App([path("", view)]))
    assert call_wsgi(application).text == LOOP_THREAD


def test_context_variables_set_by_an_async_view_reach_the_sync_middleware(serve: Any) -> None:
    tag: contextvars.ContextVar[str] = contextvars.ContextVar("tag", default="unset")

    def read_tag(get_response: Any) -> Any:
        def middleware(request: HttpRequest) -> HttpResponse:
            response: HttpResponse = get_response(request)
            response["X-Tag"] = tag.get()
            return response

        return middleware

    async def view(request: HttpRequest) -> HttpResponse:
        tag.set("set by the view")
        return HttpResponse("ok")

    application = serve(App([path("", view)], middleware=[read_tag]))
    assert call_wsgi(application).header("X-Tag") == "set by the view"


def test_each_middleware_factory_is_called_once_per_process(serve: Any) -> None:
    calls: list[str] = []

    def counting(get_response: Any) -> Any:
        calls.append("function")
        return get_response

    def async_counting(get_response: Any) -> Any:
        calls.append("async function")
        return get_response

    async_counting.async_capable = True  # type: ignore[attr-defined]
    async_counting.sync_capable = False  # type: ignore[attr-defined]

    class Hooks(Middleware):
        nonblocking = True

        def __init__(self, get_response: Any, *, name: str = "hooks") -> None:
            super().__init__(get_response)
            calls.append(name)

    middleware = [counting, async_counting, Hooks, Hooks.configure(name="configured")]
    application = serve(App([path("", sync_where)], middleware=middleware))
    threads = [threading.Thread(target=call_wsgi, args=(application,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert call_wsgi(application).status == 200

    assert sorted(calls) == ["async function", "configured", "function", "hooks"]


# ---------------------------------------------------------------- lifespan


def test_lifespan_starts_once_on_the_loop_before_the_first_request(serve: Any) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append(f"startup on {threading.current_thread().name}")
        yield {"greeting": "from lifespan"}
        events.append("shutdown")

    async def view(request: HttpRequest) -> HttpResponse:
        events.append("request")
        return HttpResponse(request.state.greeting)

    application = serve(App([path("", view)], lifespan=lifespan))
    assert events == []  # nothing happens when the WSGI callable is made
    assert call_wsgi(application).text == "from lifespan"
    assert call_wsgi(application).text == "from lifespan"
    assert events == [f"startup on {LOOP_THREAD}", "request", "request"]
    application.close()
    assert events[-1] == "shutdown"


def test_close_stops_the_loop_thread_and_a_later_request_starts_again(serve: Any) -> None:
    starts: list[int] = []

    async def startup() -> None:
        starts.append(1)

    application = serve(App([path("", async_where)], on_startup=[startup]))
    application.start()
    assert _loop_threads() == 1
    application.close()
    application.close()  # twice is fine
    assert _loop_threads() == 0
    assert call_wsgi(application).text == LOOP_THREAD
    assert starts == [1, 1]


def test_failing_startup_fails_the_request_and_is_retried(serve: Any) -> None:
    attempts: list[int] = []

    def startup() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("database not ready")

    application = serve(App([path("", async_where)], on_startup=[startup]))
    with pytest.raises(Exception, match="database not ready"):
        call_wsgi(application)
    assert _loop_threads() == 0  # nothing left running after the failure
    assert call_wsgi(application).status == 200
    assert len(attempts) == 2


def test_a_forked_child_starts_its_own_loop(serve: Any) -> None:
    application = serve(App([path("", async_where)]))
    assert call_wsgi(application).text == LOOP_THREAD
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports by exit code
        code = 1
        try:
            code = 0 if call_wsgi(application).text == LOOP_THREAD else 2
            application.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert call_wsgi(application).text == LOOP_THREAD  # the parent's loop still serves


def _loop_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == LOOP_THREAD)


# ---------------------------------------------------------------- what comes from environ


def test_remote_addr_scheme_and_host_come_from_the_environ(serve: Any) -> None:
    def view(request: HttpRequest) -> JsonResponse:
        return JsonResponse(
            {
                "remote": request.META["REMOTE_ADDR"],
                "scheme": request.scheme,
                "secure": request.is_secure(),
                "host": request.get_host(),
                "uri": request.build_absolute_uri(),
            }
        )

    application = serve(App([path("where/", view)], allowed_hosts=["example.com"]))
    environ = make_environ(
        "GET",
        "/where/?a=1",
        REMOTE_ADDR="203.0.113.7",
        HTTP_HOST="example.com:8443",
    )
    environ["wsgi.url_scheme"] = "https"
    with open_wsgi(application, environ) as (_, chunks):
        data = b"".join(chunks).decode()
    assert '"remote":"203.0.113.7"' in data
    assert '"scheme":"https","secure":true' in data
    assert '"host":"example.com:8443"' in data
    assert '"uri":"https://example.com:8443/where/?a=1"' in data


def test_script_name_is_the_mount_point(serve: Any) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"{request.script_name}|{request.path}|{request.path_info}")

    application = serve(App([path("page/", view)]))
    environ = make_environ("GET", "/page/", SCRIPT_NAME="/mounted")
    with open_wsgi(application, environ) as (_, chunks):
        assert b"".join(chunks) == b"/mounted|/mounted/page/|/page/"


def test_utf8_path_arrives_decoded(serve: Any) -> None:
    def view(request: HttpRequest, name: str) -> HttpResponse:
        return HttpResponse(name)

    application = serve(App([path("hi/<str:name>/", view)]))
    assert call_wsgi(application, "GET", "/hi/caf%C3%A9/").text == "café"


# ---------------------------------------------------------------- request bodies


class ExplodingInput:
    """A wsgi.input that fails the test if the handler reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read although Content-Length was over the limit")


class CountingInput(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body)


def test_declared_body_over_the_limit_is_refused_without_reading_it(serve: Any) -> None:
    application = serve(App([path("", echo)], data_upload_max_memory_size=10))
    environ = make_environ("POST", "/", body=b"x" * 11)
    environ["wsgi.input"] = ExplodingInput()
    with open_wsgi(application, environ) as (result, chunks):
        assert result.status == 413
        assert b"data_upload_max_memory_size" in b"".join(chunks)


def test_chunked_body_past_the_limit_stops_being_read(serve: Any) -> None:
    application = serve(App([path("", echo)], data_upload_max_memory_size=100_000))
    stream = CountingInput(b"x" * 1_000_000)
    environ = make_environ("POST", "/", HTTP_TRANSFER_ENCODING="chunked")
    del environ["CONTENT_LENGTH"]
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True})
    with open_wsgi(application, environ) as (result, _):
        assert result.status == 413
    assert stream.bytes_read < 200_000


def test_chunked_body_within_the_limit_is_read_to_its_end(serve: Any) -> None:
    application = serve(App([path("", echo)]))
    environ = make_environ("POST", "/", HTTP_TRANSFER_ENCODING="chunked")
    del environ["CONTENT_LENGTH"]
    environ.update({"wsgi.input": io.BytesIO(b"y" * 200_000), "wsgi.input_terminated": True})
    with open_wsgi(application, environ) as (result, chunks):
        assert result.status == 200
        assert b"".join(chunks) == b"y" * 200_000


def test_body_is_not_read_without_content_length_unless_the_server_ends_it(serve: Any) -> None:
    application = serve(App([path("", echo)]))
    environ = make_environ("POST", "/", HTTP_TRANSFER_ENCODING="chunked")
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input"] = ExplodingInput()  # wsgiref-style: reading could block forever
    with open_wsgi(application, environ) as (result, chunks):
        assert (result.status, b"".join(chunks)) == (200, b"")


def test_invalid_content_length_is_a_bad_request(serve: Any) -> None:
    application = serve(App([path("", echo)]))
    environ = make_environ("POST", "/", body=b"abc", CONTENT_LENGTH="3x")
    with open_wsgi(application, environ) as (result, chunks):
        assert result.status == 400
        assert b"Invalid Content-Length" in b"".join(chunks)


def test_body_shorter_than_content_length_is_a_bad_request(serve: Any) -> None:
    application = serve(App([path("", echo)]))
    environ = make_environ("POST", "/", body=b"abc", CONTENT_LENGTH="10")
    with open_wsgi(application, environ) as (result, chunks):
        assert result.status == 400
        assert b"7 bytes short" in b"".join(chunks)


# ---------------------------------------------------------------- streaming


def test_async_stream_chunks_reach_the_server_as_they_are_made(serve: Any) -> None:
    proceed = threading.Event()

    async def chunks() -> AsyncIterator[str]:
        yield "first\n"
        # Only reachable once the server has the first chunk: a buffering handler
        # would wait here forever (well, until the test's timeout).
        await asyncio.get_running_loop().run_in_executor(None, proceed.wait, 5)
        yield "second\n"

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(chunks())

    application = serve(App([path("", view)]))
    with open_wsgi(application, make_environ()) as (result, body):
        assert result.status == 200
        started = time.monotonic()
        assert next(body) == b"first\n"
        assert time.monotonic() - started < 2, "the first chunk waited for the second"
        proceed.set()
        assert list(body) == [b"second\n"]


def test_sync_stream_chunks_are_made_in_the_server_thread_one_by_one(serve: Any) -> None:
    made: list[str] = []

    def chunks() -> Iterator[str]:
        for index in range(3):
            made.append(threading.current_thread().name)
            yield f"{index}\n"

    def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(chunks())

    application = serve(App([path("", view)]))
    with open_wsgi(application, make_environ()) as (_, body):
        assert next(body) == b"0\n"
        assert len(made) == 1
        assert list(body) == [b"1\n", b"2\n"]
    assert set(made) == {threading.current_thread().name}


def test_sync_stream_sees_context_variables_set_by_middleware(serve: Any) -> None:
    tag: contextvars.ContextVar[str] = contextvars.ContextVar("stream_tag", default="unset")

    def set_tag(get_response: Any) -> Any:
        def middleware(request: HttpRequest) -> HttpResponse:
            tag.set("from middleware")
            return get_response(request)  # type: ignore[no-any-return]

        return middleware

    def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(tag.get() for _ in range(1))

    application = serve(App([path("", view)], middleware=[set_tag]))
    assert call_wsgi(application).text == "from middleware"


def test_closing_an_async_stream_early_cancels_it_and_runs_its_finally(serve: Any) -> None:
    outcome: list[str] = []

    async def chunks() -> AsyncIterator[str]:
        try:
            yield "first"
            await asyncio.sleep(30)
            yield "never"
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        finally:
            outcome.append("finally")

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(chunks())

    application = serve(App([path("", view)]))
    started = time.monotonic()
    with open_wsgi(application, make_environ()) as (_, body):
        assert next(body) == b"first"
        # The server stops here, as when writing to a client that left fails.
    assert time.monotonic() - started < 5
    assert outcome in (["cancelled", "finally"], ["finally"])


def test_closing_an_async_stream_before_reading_it_closes_its_source(serve: Any) -> None:
    closed: list[str] = []

    class Source:
        def __aiter__(self) -> Source:
            return self

        async def __anext__(self) -> str:
            await asyncio.sleep(0.01)
            return "chunk"

        async def aclose(self) -> None:
            closed.append("closed")

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(Source())

    application = serve(App([path("", view)]))
    started = time.monotonic()
    with open_wsgi(application, make_environ()):
        pass  # the server gives up before the first chunk
    assert time.monotonic() - started < 2
    assert "closed" in closed


def test_a_stream_that_fails_raises_in_the_server_after_its_chunks(serve: Any) -> None:
    async def chunks() -> AsyncIterator[str]:
        yield "partial"
        raise RuntimeError("the source broke")

    async def view(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(chunks())

    application = serve(App([path("", view)]))
    with open_wsgi(application, make_environ()) as (_, body):
        assert next(body) == b"partial"
        with pytest.raises(RuntimeError, match="the source broke"):
            next(body)


def test_head_sends_headers_and_no_body(serve: Any) -> None:
    application = serve(App([path("", async_where)]))
    result = call_wsgi(application, "HEAD", "/")
    assert result.status == 200
    assert result.body == b""
    assert result.header("Content-Length") == str(len(LOOP_THREAD))


# ---------------------------------------------------------------- after the response


def test_after_response_work_runs_once_the_server_closed_the_body(serve: Any) -> None:
    done = threading.Event()
    log: list[str] = []

    async def later(word: str) -> None:
        log.append(word)
        done.set()

    async def view(request: HttpRequest) -> HttpResponse:
        request.after_response(later, "after")
        return HttpResponse("body")

    application = serve(App([path("", view)]))
    with open_wsgi(application, make_environ()) as (_, body):
        assert list(body) == [b"body"]
        time.sleep(0.05)
        assert log == []  # the server has not closed the body yet
    assert done.wait(5)
    assert log == ["after"]


def test_close_waits_for_after_response_work(serve: Any) -> None:
    log: list[str] = []

    async def later() -> None:
        await asyncio.sleep(0.2)
        log.append("after")

    async def view(request: HttpRequest) -> HttpResponse:
        request.after_response(later)
        return HttpResponse("body")

    application = serve(App([path("", view)]))
    call_wsgi(application)
    application.close()
    assert log == ["after"]


# ---------------------------------------------------------------- what WSGI cannot do


def test_websocket_upgrade_is_refused_with_a_clear_error(serve: Any) -> None:
    application = serve(App([path("", async_where)]))
    result = call_wsgi(
        application, "GET", "/", headers={"Upgrade": "websocket", "Connection": "Upgrade"}
    )
    assert result.status == 400
    assert "need an ASGI server" in result.text


def test_websocket_routes_are_reported_at_start_up(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from legato.urls import websocket

    async def chat(ws: Any) -> None:
        pass

    application = serve(App([path("", async_where), websocket("ws/chat/", chat)]))
    application.start()
    assert "websocket routes (ws/chat/)" in caplog.text


# ---------------------------------------------------------------- deadlines and errors


def test_timeout_on_a_sync_view_still_answers_504(serve: Any) -> None:
    @timeout(0.05)
    def slow(request: HttpRequest) -> HttpResponse:
        time.sleep(0.3)
        return HttpResponse("late")

    application = serve(App([path("", slow)]))
    assert call_wsgi(application).status == 504


def test_app_request_timeout_applies_to_sync_views_too(serve: Any) -> None:
    def slow(request: HttpRequest) -> HttpResponse:
        time.sleep(0.3)
        return HttpResponse("late")

    application = serve(App([path("", slow)], request_timeout=0.05))
    assert call_wsgi(application).status == 504


def test_view_errors_become_responses_in_the_server_thread(serve: Any) -> None:
    def forbidden(request: HttpRequest) -> HttpResponse:
        raise PermissionDenied

    async def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("boom")

    application = serve(App([path("forbidden/", forbidden), path("broken/", broken)]))
    assert call_wsgi(application, "GET", "/forbidden/").status == 403
    assert call_wsgi(application, "GET", "/broken/").status == 500


def test_close_leaves_lifespan_tasks_to_the_lifespan(serve: Any) -> None:
    stopped: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        async def heartbeat() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                stopped.append("by the lifespan")
                raise

        task = asyncio.create_task(heartbeat())
        yield
        task.cancel()
        await asyncio.wait([task])

    application = serve(App([path("", async_where)], lifespan=lifespan, shutdown_grace=5))
    application.start()
    started = time.monotonic()
    application.close()
    assert time.monotonic() - started < 2  # no waiting out the grace period for it
    assert stopped == ["by the lifespan"]

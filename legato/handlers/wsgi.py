"""Serve an app to a WSGI server, with its async parts on one event loop per process.

The path, in order: static files first (`legato.static`, answered from the environ with
no chain), then environ -> scope -> HttpRequest -> Host check -> body read from
`wsgi.input` (bounded, as under ASGI) -> the app's core, with its chain built to be
called in this thread (`ChainMode.wsgi`) -> start_response and the body iterable ->
after-response work. Errors raised before the chain go through the app's
`ErrorResponder`, as under ASGI.

- The first request in a process starts the app (or `start()`, from gunicorn's
  `post_worker_init`): a `LoopThread` named "legato-wsgi-loop", then the lifespan
  start-up on it. `close()`, registered with atexit, waits for after-response work,
  runs the shut-down there and stops the loop. A forked child starts its own.
- Only this adapter builds a chain in a WSGI process: each middleware factory is called
  once, when the worker starts.
- Sync views and sync middleware run in the server's thread with no hop; async views,
  async middleware, error views and async streams run on the loop while that thread
  waits. Nothing starts an event loop per request.
- The body iterables are in `_wsgi_body`: chunks reach the server as they are made.
- A WebSocket upgrade is answered 400 with a message saying to use an ASGI server:
  WSGI has no way to hand the connection over.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from legato._runtime.asgiref_internals import use_loop_in_this_thread
from legato._runtime.bridge import run_inline
from legato._runtime.loop_thread import LoopThread
from legato.context import current_app
from legato.exceptions import BadRequest, SuspiciousOperation
from legato.handlers._wsgi_body import body_for
from legato.handlers.base import Pipeline
from legato.handlers.chain import ChainMode
from legato.handlers.request_log import log_unlogged
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.static.serve import StaticFiles
from legato.urls.reverse import current_resolver, current_script_prefix

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["WSGIHandler", "read_body", "scope_from_environ"]

logger = logging.getLogger("legato.request")

Environ = Mapping[str, Any]
StartResponse = Callable[..., Any]

_CHUNK_SIZE = 64 * 1024
# Header names seen in environ keys, converted once ("HTTP_USER_AGENT" -> b"user-agent");
# bounded, since clients choose the names.
_HEADER_NAMES: dict[str, bytes] = {
    "CONTENT_TYPE": b"content-type",
    "CONTENT_LENGTH": b"content-length",
}
_HEADER_NAMES_MAX = 512


class WSGIHandler:
    """The WSGI callable for one app (`app.as_wsgi()`)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._atexit_registered = False
        self._fork_hook_registered = False

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        worker = self._worker or self._started()
        return worker.serve(environ, start_response)

    def start(self) -> None:
        """Start the loop thread and run the lifespan start-up, unless already done here.

        The first request calls it. Call it from gunicorn's `post_worker_init` hook to
        start each worker (and fail, if start-up fails) before it accepts connections.
        """
        self._started()

    def close(self) -> None:
        """Wait for after-response work, run the lifespan shut-down, stop the loop thread.

        Registered with atexit when the app starts; safe to call twice. A request after
        `close()` starts the app again.
        """
        with self._lock:
            worker, self._worker = self._worker, None
            if self._atexit_registered:
                atexit.unregister(self.close)
                self._atexit_registered = False
        if worker is not None:
            worker.stop(self.app)

    def _started(self) -> _Worker:
        with self._lock:
            if self._worker is None:
                self._worker = _Worker.start(self.app)
                self._register_process_hooks()
            return self._worker

    def _register_process_hooks(self) -> None:
        if not self._atexit_registered:
            atexit.register(self.close)
            self._atexit_registered = True
        if not self._fork_hook_registered:
            reference = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _forget_after_fork(reference))
            self._fork_hook_registered = True

    def _forget_parent(self) -> None:
        # The parent's loop thread and pool threads do not exist in a forked child.
        self._lock = threading.Lock()
        if self._worker is not None:
            self._worker = None
            self.app.thread_pool.shutdown()


def _forget_after_fork(reference: weakref.ref[WSGIHandler]) -> None:
    handler = reference()
    if handler is not None:
        handler._forget_parent()


class _Worker:
    """What one process needs to serve requests once the app has started."""

    def __init__(
        self,
        loop: LoopThread,
        pipeline: Pipeline,
        state: dict[str, Any],
        static: StaticFiles | None = None,
    ) -> None:
        self.loop = loop
        self.pipeline = pipeline
        self.get_response = pipeline.get_response
        self.limits = pipeline.core.limits
        self.allowed_hosts = pipeline.core.allowed_hosts
        self.force_script_name = pipeline.core.force_script_name
        self.proxy = pipeline.core.proxy
        self.state = state
        self.static = static

    @classmethod
    def start(cls, app: App) -> _Worker:
        loop = LoopThread()
        loop.start()
        try:
            core = app.core()
            pipeline = Pipeline(core, ChainMode.wsgi(core.thread_pool, loop.run))
            state: dict[str, Any] = {}
            loop.run(app.startup(state))
        except BaseException:
            loop.stop()
            raise
        _warn_about_websocket_routes(pipeline)
        return cls(loop, pipeline, state, app.static_files())

    def stop(self, app: App) -> None:
        try:
            self.loop.drain(app.config.shutdown_grace)
            self.loop.run(app.shutdown())
        finally:
            self.loop.stop()

    def serve(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.static is not None:
            # Static files first: they need none of the chain (legato/static/serve.py).
            served = self.static.wsgi(environ, start_response)
            if served is not None:
                return served  # type: ignore[no-any-return]
        # async_to_sync in a sync view runs on the app's loop, as it does under ASGI.
        use_loop_in_this_thread(self.loop.loop)
        request = HttpRequest(
            scope_from_environ(environ, self.state, self.force_script_name),
            limits=self.limits,
            allowed_hosts=self.allowed_hosts,
            proxy=self.proxy,
        )
        token = current_resolver.set(self.pipeline.resolver)
        app_token = current_app.set(self.pipeline.core.app)  # legato/context.py
        prefixed = (
            current_script_prefix.set(request.script_name + "/") if request.script_name else None
        )
        try:
            response = self._response_for(request, environ)
            if response.status_code >= 400:
                log_unlogged(response, request)  # a 404 a view returned, say
            return body_for(request, response, start_response, self.loop, self.pipeline.thread_pool)
        except BaseException:
            request.close()
            raise
        finally:
            current_resolver.reset(token)
            current_app.reset(app_token)
            if prefixed is not None:
                current_script_prefix.reset(prefixed)

    def _response_for(self, request: HttpRequest, environ: Environ) -> HttpResponseBase:
        try:
            request.get_host()
            _refuse_websocket(environ)
            request.body_data = read_body(environ, self.limits)
        except (BadRequest, SuspiciousOperation) as exc:
            return self.loop.run(self.pipeline.errors.response_for_exception(request, exc))
        # The chain's coroutines never wait for the loop in this thread: run them here.
        return run_inline(self.get_response(request))


def _refuse_websocket(environ: Environ) -> None:
    upgrade = environ.get("HTTP_UPGRADE")
    if upgrade is not None and "websocket" in upgrade.lower():
        raise BadRequest(
            "WebSocket connections need an ASGI server, and this app is served over WSGI: "
            "serve it with `legato run` or gunicorn's uvicorn worker to use websockets."
        )


def _warn_about_websocket_routes(pipeline: Pipeline) -> None:
    routes = [route.pattern for route in pipeline.resolver.routes() if route.kind != "http"]
    if routes:
        logger.warning(
            "This app has websocket routes (%s), which a WSGI server cannot serve: their "
            "connections are refused with 400. Serve the app with an ASGI server (`legato "
            "run`, or gunicorn with uvicorn workers) to use them.",
            ", ".join(routes),
        )


# ---------------------------------------------------------------- environ -> request


def scope_from_environ(
    environ: Environ, state: dict[str, Any] | None = None, force_script_name: str | None = None
) -> dict[str, Any]:
    """Describe a WSGI request as the ASGI scope `HttpRequest` reads.

    The mount point is `force_script_name` if given, else SCRIPT_NAME; `path` is the mount
    point and PATH_INFO joined by one "/", whichever of them holds it: gunicorn started
    with SCRIPT_NAME="/shop/" hands over PATH_INFO "p/" for "/shop/p/", other servers "/p/".
    """
    if force_script_name is None:
        script_name = _decoded_path(environ.get("SCRIPT_NAME", "")).rstrip("/")
    else:
        script_name = force_script_name.rstrip("/")
    path_info = _decoded_path(environ.get("PATH_INFO", ""))
    if path_info and not path_info.startswith("/"):
        path_info = "/" + path_info
    path = script_name + path_info
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "method": environ["REQUEST_METHOD"].upper(),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": path or "/",
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": script_name,
        "headers": _headers(environ),
        "server": (environ.get("SERVER_NAME", "unknown"), _port(environ.get("SERVER_PORT"))),
        "state": state if state is not None else {},
    }
    remote = environ.get("REMOTE_ADDR")
    if remote:
        scope["client"] = (remote, _port(environ.get("REMOTE_PORT")) or 0)
    return scope


def _decoded_path(text: str) -> str:
    # PEP 3333 hands over the path's bytes as latin-1 text; ASGI servers decode UTF-8,
    # replacing what is not UTF-8, and so does this.
    if text.isascii():
        return text
    return text.encode("latin-1", "replace").decode("utf-8", "replace")


def _port(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None


def _headers(environ: Environ) -> list[tuple[bytes, bytes]]:
    headers = []
    names = _HEADER_NAMES
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = names.get(key)
            if name is None:
                name = key[5:].replace("_", "-").lower().encode("latin-1")
                if len(names) < _HEADER_NAMES_MAX:
                    names[key] = name
            headers.append((name, value.encode("latin-1", "replace")))
        elif (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH") and value:
            headers.append((names[key], value.encode("latin-1", "replace")))
    return headers


def read_body(environ: Environ, limits: RequestLimits) -> RequestBody:
    """Read the body from `wsgi.input` through a `BodyReader`, which enforces the limits."""
    length = _body_length(environ)
    content_type: str | None = environ.get("CONTENT_TYPE") or None
    if length == 0 and content_type is None:
        return RequestBody(b"")  # what BodyReader(None, 0, limits).finish() would return
    reader = BodyReader(
        content_type.encode("latin-1", "replace") if content_type else None, length, limits
    )
    try:
        for chunk in _input_chunks(environ["wsgi.input"], length):
            reader.feed(chunk)
        return reader.finish()
    except BaseException:
        reader.close()
        raise


def _body_length(environ: Environ) -> int | None:
    """Content-Length; None for a chunked body the server ends for us; else 0."""
    text = environ.get("CONTENT_LENGTH")
    if text:
        if not (text.isascii() and text.isdigit()):
            raise BadRequest(f"Invalid Content-Length header: {text[:40]!r}.")
        return int(text)
    # PEP 3333: without Content-Length, read to the end only if the server says the
    # input ends there (gunicorn does, for chunked bodies); otherwise there is no body.
    if "HTTP_TRANSFER_ENCODING" in environ and environ.get("wsgi.input_terminated"):
        return None
    return 0


def _input_chunks(stream: Any, length: int | None) -> Iterator[bytes]:
    remaining = length
    while remaining is None or remaining > 0:
        size = _CHUNK_SIZE if remaining is None else min(remaining, _CHUNK_SIZE)
        chunk: bytes = stream.read(size)
        if not chunk:
            if remaining:
                raise BadRequest(
                    f"The request body ended {remaining} bytes short of its Content-Length "
                    f"({length}); the client sent less than it announced."
                )
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk

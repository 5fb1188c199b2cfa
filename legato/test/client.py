"""Drive an app in-process through its real ASGI entry point, with Django's client API.

`AsyncClient` builds an ASGI scope, calls `app(scope, receive, send)` and rebuilds the
response from the messages the app sent, so a test sees exactly what a server would
send. `Client` is the same client run on a private event loop in a background thread,
for plain `def` tests. Both run the app's lifespan around their use (`with` /
`async with`, or lazily on the first request until `close()`), keep cookies between
requests, and re-raise a view's exception in the test by default, as Django's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from http.cookies import SimpleCookie
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from legato.handlers.errors import request_exception_observer
from legato.test.auth import session_cookies_after
from legato.test.encoding import MULTIPART_CONTENT, encode_body, encode_query
from legato.test.lifespan import LifespanSession
from legato.test.response import TestResponse
from legato.test.streaming import Event, StreamingTestResponse
from legato.test.websocket import AsyncWebSocketSession, WebSocketSession, open_session
from legato.urls.resolver import Resolver, ResolverMatch

__all__ = ["MULTIPART_CONTENT", "AsyncClient", "Client", "TestResponse"]

T = TypeVar("T")
ASGIApp = Callable[..., Coroutine[Any, Any, None]]
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_REDIRECTS = 20


class AsyncClient:
    """An async test client: `response = await client.get("/path/")`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_request_exception: bool = True,
        headers: Mapping[str, str] | None = None,
        lifespan: bool = True,
        **defaults: Any,
    ) -> None:
        self.app = app
        self.raise_request_exception = raise_request_exception
        self.headers = dict(headers or {})
        self.defaults = defaults
        self.cookies: SimpleCookie = SimpleCookie()
        self._lifespan = LifespanSession(app) if lifespan else None

    async def __aenter__(self) -> AsyncClient:
        if self._lifespan is not None:
            await self._lifespan.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._lifespan is not None:
            await self._lifespan.stop()

    async def get(
        self, path: str, data: Any = None, follow: bool = False, **kwargs: Any
    ) -> TestResponse:
        return await self.generic("GET", path, "", None, query=data, follow=follow, **kwargs)

    async def head(
        self, path: str, data: Any = None, follow: bool = False, **kwargs: Any
    ) -> TestResponse:
        return await self.generic("HEAD", path, "", None, query=data, follow=follow, **kwargs)

    async def options(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return await self.generic("OPTIONS", path, data, content_type, follow=follow, **kwargs)

    async def post(
        self,
        path: str,
        data: Any = None,
        content_type: str = MULTIPART_CONTENT,
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return await self.generic("POST", path, data, content_type, follow=follow, **kwargs)

    async def put(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return await self.generic("PUT", path, data, content_type, follow=follow, **kwargs)

    async def patch(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return await self.generic("PATCH", path, data, content_type, follow=follow, **kwargs)

    async def delete(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return await self.generic("DELETE", path, data, content_type, follow=follow, **kwargs)

    async def generic(
        self,
        method: str,
        path: str,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        *,
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send one request (Django's `generic`); `follow=True` follows redirects."""
        request = self._spec(method, path, data, content_type, **kwargs)
        response = await self._send(request)
        if follow:
            response = await self._follow(request, response)
        return response

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        **kwargs: Any,
    ) -> AsyncIterator[StreamingTestResponse]:
        """Start a request and yield its response as soon as the headers are sent.

        Read the body with `aiter_chunks()` or `aiter_events()`; leaving the block
        disconnects, which cancels a stream that is still running.
        """
        spec = self._spec(method, path, data, content_type, **kwargs)
        if self._lifespan is not None:
            await self._lifespan.start()
        exchange = _StreamExchange(spec.body)
        scope = spec.scope(self._cookie_header(), self._lifespan_state())
        task = asyncio.create_task(self.app(scope, exchange.receive, exchange.send))
        try:
            yield await exchange.response(task)
        finally:
            await exchange.disconnect(task)

    def websocket(
        self, path: str, **options: Any
    ) -> contextlib.AbstractAsyncContextManager[AsyncWebSocketSession]:
        """Open a websocket session: `async with client.websocket("/ws/") as ws:`.

        Options: subprotocols, headers, query, secure, timeout (legato.test.websocket).
        """
        return open_session(self, path, **options)

    def _spec(
        self,
        method: str,
        path: str,
        data: Any,
        content_type: str | None,
        *,
        query: Any = None,
        headers: Mapping[str, str] | None = None,
        query_params: Any = None,
        secure: bool = False,
        **extra: Any,
    ) -> _RequestSpec:
        body, content_type = encode_body(data, content_type)
        method = method.upper()
        extra_headers = _headers_from_extra({**self.defaults, **extra})
        return _RequestSpec(
            method=method,
            url=path,
            query=query_params if query_params is not None else query,
            body=body,
            content_type=content_type if body or method not in ("GET", "HEAD") else None,
            headers={**self.headers, **extra_headers, **(headers or {})},
            secure=secure,
        )

    async def _send(self, spec: _RequestSpec) -> TestResponse:
        if self._lifespan is not None:
            await self._lifespan.start()
        captured: list[BaseException] = []
        token = request_exception_observer.set(captured.append)
        try:
            exchange = _Exchange(spec.body)
            scope = spec.scope(self._cookie_header(), self._lifespan_state())
            await self.app(scope, exchange.receive, exchange.send)
        finally:
            request_exception_observer.reset(token)
        if captured and self.raise_request_exception:
            raise captured[0]
        response = exchange.response(spec, scope, self._resolver_for(scope))
        self._store_cookies(response.cookies)
        return response

    async def _follow(self, spec: _RequestSpec, response: TestResponse) -> TestResponse:
        chain: list[tuple[str, int]] = []
        while response.status_code in _REDIRECTS and "Location" in response.headers:
            location = urljoin(spec.url, response.headers["Location"])
            target = urlsplit(location)
            if target.netloc and target.hostname not in ("testserver", None):
                break  # leaving the app: a real client would go to another server
            chain.append((location, response.status_code))
            if len(chain) > _MAX_REDIRECTS or chain.count(chain[-1]) > 1:
                raise RedirectCycleError("Redirect loop detected.", chain)
            spec = spec.redirected(location, keep_method=response.status_code in (307, 308))
            response = await self._send(spec)
        response.redirect_chain = chain
        return response

    async def force_login(self, user: Any, backend: Any = None) -> None:
        """Log `user` in for the next requests, with no password checked (Django's)."""
        from legato.auth import login

        async def log_in(request: Any) -> None:
            await login(request, user, backend)

        await self._with_session(log_in)

    async def login(self, **credentials: Any) -> bool:
        """Log in with `credentials` as `authenticate()` checks them; False if refused."""
        from legato.auth import authenticate, login

        async def log_in(request: Any) -> bool:
            user = await authenticate(request, **credentials)
            if user is None:
                return False
            await login(request, user)
            return True

        return bool(await self._with_session(log_in))

    async def logout(self) -> None:
        """Log out: the session is emptied and its cookie dropped."""
        from legato.auth import logout

        await self._with_session(logout)

    async def _with_session(self, work: Callable[[Any], Any]) -> Any:
        if self._lifespan is not None:
            await self._lifespan.start()
        spec = _RequestSpec(
            method="GET",
            url="/",
            query=None,
            body=b"",
            content_type=None,
            headers=dict(self.headers),
            secure=False,
        )
        scope = spec.scope(self._cookie_header(), self._lifespan_state())
        result, cookies = await session_cookies_after(self.app, scope, work)
        self._store_cookies(cookies)
        return result

    def _resolver_for(self, scope: dict[str, Any]) -> Callable[[], ResolverMatch] | None:
        """How `response.resolver_match` resolves this request's path, for a Legato App."""
        resolver = getattr(self.app, "resolver", None)
        if not isinstance(resolver, Resolver):
            return None
        return functools.partial(resolver.resolve, scope["path"])

    def _cookie_header(self) -> str | None:
        pairs = [f"{key}={morsel.coded_value}" for key, morsel in sorted(self.cookies.items())]
        return "; ".join(pairs) or None

    def _store_cookies(self, cookies: SimpleCookie) -> None:
        for key, morsel in cookies.items():
            if morsel["max-age"] == "0" or (morsel.value == "" and morsel["expires"]):
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = morsel

    def _lifespan_state(self) -> dict[str, Any]:
        return dict(self._lifespan.state) if self._lifespan is not None else {}


class RedirectCycleError(Exception):
    """`follow=True` met a redirect loop."""

    def __init__(self, message: str, chain: list[tuple[str, int]]) -> None:
        super().__init__(message)
        self.redirect_chain = chain


class _RequestSpec:
    """What the test asked for, enough to build the scope again after a redirect."""

    def __init__(
        self,
        *,
        method: str,
        url: str,
        query: Any,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str],
        secure: bool,
    ) -> None:
        self.method = method
        self.url = url
        self.query = query
        self.body = body
        self.content_type = content_type
        self.headers = headers
        self.secure = secure

    def redirected(self, location: str, *, keep_method: bool) -> _RequestSpec:
        target = urlsplit(location)
        return _RequestSpec(
            method=self.method if keep_method else ("HEAD" if self.method == "HEAD" else "GET"),
            url=location,
            query=None,
            body=self.body if keep_method else b"",
            content_type=self.content_type if keep_method else None,
            headers=self.headers,
            secure=target.scheme == "https" or (not target.scheme and self.secure),
        )

    def scope(self, cookie: str | None, state: dict[str, Any]) -> dict[str, Any]:
        parts = urlsplit(self.url)
        query_string = parts.query
        if self.query:
            extra = encode_query(self.query)
            query_string = f"{query_string}&{extra}" if query_string else extra
        raw_path = parts.path or "/"
        headers = self._header_list(cookie)
        port = 443 if self.secure else 80
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "https" if self.secure else "http",
            "path": _unquote(raw_path),
            "raw_path": raw_path.encode("ascii", "backslashreplace"),
            "query_string": query_string.encode("utf-8"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", port),
            "state": state,
        }

    def _header_list(self, cookie: str | None) -> list[tuple[bytes, bytes]]:
        merged = {"host": "testserver"}
        if self.body or self.content_type:
            merged["content-length"] = str(len(self.body))
        if self.content_type:
            merged["content-type"] = self.content_type
        if cookie:
            merged["cookie"] = cookie
        merged.update({name.lower(): value for name, value in self.headers.items()})
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in merged.items()]


def _unquote(path: str) -> str:
    return unquote(path, errors="replace")


def _headers_from_extra(extra: Mapping[str, Any]) -> dict[str, str]:
    """Accept Django's WSGI-style extras: HTTP_X_FOO='1' becomes the header X-Foo."""
    headers = {}
    for key, value in extra.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = str(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers[key.replace("_", "-").lower()] = str(value)
        else:
            raise TypeError(f"Unknown request option {key!r}; pass headers={{...}} instead.")
    return headers


class _Exchange:
    """One request's ASGI messages: the body in, the response out."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_sent = False
        self.done = asyncio.Event()
        self.status: int | None = None
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.streamed = False  # the body came in parts (more_body), as a stream does

    async def receive(self) -> dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.raw_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body", b"")))
            if message.get("more_body", False):
                self.streamed = True
            else:
                self.done.set()

    def response(
        self,
        spec: _RequestSpec,
        scope: dict[str, Any],
        resolve: Callable[[], ResolverMatch] | None,
    ) -> TestResponse:
        if self.status is None:
            raise AssertionError(
                f"The app sent no response to {spec.method} {spec.url}; an ASGI app must send "
                "http.response.start."
            )
        self.done.set()
        return TestResponse.from_asgi(
            self.status,
            self.raw_headers,
            b"".join(self.chunks),
            method=spec.method,
            url=spec.url,
            scope=scope,
            chunks=[chunk for chunk in self.chunks if chunk] if self.streamed else None,
            resolve=resolve,
        )


class _StreamExchange:
    """One streamed request: the body in, status and headers early, chunks as they come."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_sent = False
        self.gone = asyncio.Event()
        self.started = asyncio.Event()
        self.streaming: StreamingTestResponse | None = None

    async def receive(self) -> dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Mapping[str, Any]) -> None:
        if self.gone.is_set():
            raise OSError("The test client has disconnected.")
        if message["type"] == "http.response.start":
            self.streaming = StreamingTestResponse(message["status"], message.get("headers", []))
            self.started.set()
        elif message["type"] == "http.response.body" and self.streaming is not None:
            more = bool(message.get("more_body", False))
            self.streaming.feed(bytes(message.get("body", b"")), more_body=more)

    async def response(self, task: asyncio.Task[None]) -> StreamingTestResponse:
        waiter = asyncio.ensure_future(self.started.wait())
        await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if self.streaming is None:
            task.result()  # re-raise what the app raised
            raise AssertionError("The app finished without sending http.response.start.")
        return self.streaming

    async def disconnect(self, task: asyncio.Task[None]) -> None:
        self.gone.set()
        _, pending = await asyncio.wait({task}, timeout=5)
        for late in pending:  # an app that ignores http.disconnect: end it as a server would
            late.cancel()
            await asyncio.wait({late})
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


class Client:
    """The sync test client: Django's `Client`, for plain `def` tests."""

    def __init__(self, app: ASGIApp, **kwargs: Any) -> None:
        self._client = AsyncClient(app, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def cookies(self) -> SimpleCookie:
        return self._client.cookies

    def __enter__(self) -> Client:
        self._run(self._client.__aenter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._loop is None:
            return
        try:
            self._run(self._client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="legato-test-client", daemon=True
            )
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        path: str,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        **kwargs: Any,
    ) -> Iterator[SyncStream]:
        """The sync form of `AsyncClient.stream`: iterate `iter_chunks()` / `iter_events()`."""
        context = self._client.stream(method, path, data, content_type, **kwargs)
        response = self._run(context.__aenter__())
        try:
            yield SyncStream(response, self._run)
        finally:
            self._run(context.__aexit__(None, None, None))

    @contextlib.contextmanager
    def websocket(self, path: str, **options: Any) -> Iterator[WebSocketSession]:
        """The sync form of `AsyncClient.websocket`: `with client.websocket("/ws/") as ws:`."""
        context = self._client.websocket(path, **options)
        session = self._run(context.__aenter__())
        try:
            yield WebSocketSession(session, self._run)
        finally:
            self._run(context.__aexit__(None, None, None))

    def force_login(self, user: Any, backend: Any = None) -> None:
        """Log `user` in for the next requests, with no password checked (Django's)."""
        self._run(self._client.force_login(user, backend))

    def login(self, **credentials: Any) -> bool:
        """Log in with `credentials` as `authenticate()` checks them; False if refused."""
        return self._run(self._client.login(**credentials))

    def logout(self) -> None:
        """Log out: the session is emptied and its cookie dropped."""
        self._run(self._client.logout())

    def get(self, path: str, data: Any = None, follow: bool = False, **kwargs: Any) -> TestResponse:
        return self._run(self._client.get(path, data, follow, **kwargs))

    def head(
        self, path: str, data: Any = None, follow: bool = False, **kwargs: Any
    ) -> TestResponse:
        return self._run(self._client.head(path, data, follow, **kwargs))

    def options(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.options(path, data, content_type, follow, **kwargs))

    def post(
        self,
        path: str,
        data: Any = None,
        content_type: str = MULTIPART_CONTENT,
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.post(path, data, content_type, follow, **kwargs))

    def put(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.put(path, data, content_type, follow, **kwargs))

    def patch(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.patch(path, data, content_type, follow, **kwargs))

    def delete(
        self,
        path: str,
        data: Any = "",
        content_type: str = "application/octet-stream",
        follow: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.delete(path, data, content_type, follow, **kwargs))

    def generic(
        self,
        method: str,
        path: str,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        **kwargs: Any,
    ) -> TestResponse:
        return self._run(self._client.generic(method, path, data, content_type, **kwargs))


class SyncStream:
    """A streaming response read from plain `def` code, one chunk at a time."""

    def __init__(
        self, response: StreamingTestResponse, run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self._run = run

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def iter_chunks(self) -> Iterator[bytes]:
        chunks = self.response.aiter_chunks()
        while True:
            try:
                yield self._run(_next_of(chunks))
            except StopAsyncIteration:
                return

    def iter_events(self) -> Iterator[Event]:
        events = self.response.aiter_events()
        while True:
            try:
                yield self._run(_next_of(events))
            except StopAsyncIteration:
                return

    def read(self) -> bytes:
        return b"".join(self.iter_chunks())


async def _next_of(iterator: AsyncIterator[T]) -> T:
    # run_coroutine_threadsafe takes coroutines only, and anext() does not return one.
    return await anext(iterator)

"""Open WebSocket sessions against an app in-process, through its real ASGI entry point.

`async with client.websocket("/ws/") as ws` (or `with` on the sync `Client`) starts the
app's handler as a server would, sends `websocket.connect` and waits for the app's answer:
an accept opens the session; a close or an HTTP response before accepting raises
`WebSocketDenied` with the status a server would send (403 for a bare close). Messages
the app sends are queued; `receive_*` waits for the next one (10 s by default) and
raises `WebSocketDisconnect` with the app's code once the app has closed. Leaving the
block disconnects (code 1000) and waits for the handler to finish. An exception in the
handler is re-raised in the test, as the HTTP client does, unless the client was made
with `raise_request_exception=False`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

import orjson

from legato.handlers.errors import request_exception_observer
from legato.test.encoding import encode_query
from legato.websocket import WebSocketDisconnect

if TYPE_CHECKING:
    from legato.test.client import AsyncClient

__all__ = ["AsyncWebSocketSession", "WebSocketDenied", "WebSocketSession", "open_session"]

T = TypeVar("T")
Message = dict[str, Any]
DEFAULT_TIMEOUT = 10.0


class WebSocketDenied(Exception):
    """The app refused the handshake; `status_code` is what a server would answer."""

    def __init__(self, status_code: int, body: bytes = b"", headers: Sequence[Any] = ()) -> None:
        detail = f": {body.decode('utf-8', 'replace')}" if body else ""
        super().__init__(f"The app refused the websocket handshake with {status_code}{detail}")
        self.status_code = status_code
        self.body = body
        self.headers = list(headers)


class AsyncWebSocketSession:
    """The client side of one websocket connection to the app."""

    def __init__(self, app: Any, scope: Message, *, raise_exceptions: bool, timeout: float) -> None:
        self.app = app
        self.scope = scope
        self.raise_exceptions = raise_exceptions
        self.timeout = timeout
        self.accepted_subprotocol: str | None = None
        self.accept_headers: list[tuple[bytes, bytes]] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._errors: list[BaseException] = []
        self._gone = False
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        token = request_exception_observer.set(self._errors.append)
        try:  # the handler's task copies this context, observer included
            self._task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        finally:
            request_exception_observer.reset(token)
        await self._to_app.put({"type": "websocket.connect"})
        first = await self._next_from_app(self.timeout)
        kind = first["type"]
        if kind == "websocket.accept":
            self.accepted_subprotocol = first.get("subprotocol")
            self.accept_headers = list(first.get("headers") or [])
            return
        if kind == "websocket.http.response.start":
            body = await self._denial_body()
            await self._finish()
            raise WebSocketDenied(first["status"], body, first.get("headers") or [])
        await self._finish()
        raise WebSocketDenied(403)

    async def _denial_body(self) -> bytes:
        chunks = []
        while True:
            message = await self._next_from_app(self.timeout)
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                return b"".join(chunks)

    # The app's side of the connection. --------------------------------------------

    async def _receive(self) -> Message:
        return await self._to_app.get()

    async def _send(self, message: Mapping[str, Any]) -> None:
        if self._gone:
            raise OSError("The test client has disconnected.")  # what servers raise
        message = dict(message)
        if message["type"] == "websocket.close":
            # A server answers the app's close with a disconnect on its next receive().
            self._to_app.put_nowait({"type": "websocket.disconnect", "code": message.get("code")})
        await self._from_app.put(message)

    # The test's side. ---------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._to_app.put({"type": "websocket.receive", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        encoded = orjson.dumps(data)
        if mode == "text":
            await self.send_text(encoded.decode("utf-8"))
        else:
            await self.send_bytes(encoded)

    async def receive(self) -> Message:
        """The next message the app sent (`websocket.send` or `websocket.close`).

        Waits at most `self.timeout` seconds, then raises TimeoutError.
        """
        message = await self._next_from_app(self.timeout)
        if message["type"] == "websocket.close":
            self.close_code = int(message.get("code") or 1000)
            self.close_reason = str(message.get("reason") or "")
            await self._finish()
        return message

    async def receive_text(self) -> str:
        message = await self._data_message()
        if message.get("text") is None:
            raise AssertionError(f"Expected a text message, got bytes: {message.get('bytes')!r}")
        return str(message["text"])

    async def receive_bytes(self) -> bytes:
        message = await self._data_message()
        if message.get("bytes") is None:
            raise AssertionError(f"Expected a binary message, got text: {message.get('text')!r}")
        return bytes(message["bytes"])

    async def receive_json(self, mode: str = "text") -> Any:
        if mode == "text":
            return orjson.loads(await self.receive_text())
        return orjson.loads(await self.receive_bytes())

    async def _data_message(self) -> Message:
        message = await self.receive()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(self.close_code or 1000, self.close_reason)
        return message

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Disconnect (as a client closing the socket) and wait for the handler to end."""
        if not self._gone:
            await self._to_app.put({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._finish()

    async def _next_from_app(self, seconds: float) -> Message:
        getter = asyncio.ensure_future(self._from_app.get())
        waiting: set[asyncio.Future[Any]] = {getter}
        if self._task is not None:
            waiting.add(self._task)
        done, _ = await asyncio.wait(waiting, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        if done:  # the handler ended without sending anything more
            await self._finish()
            raise AssertionError("The app's websocket handler ended without closing the socket.")
        raise TimeoutError(f"The app sent nothing within {seconds} s.")

    async def _finish(self) -> None:
        """Let the handler end (cancel it after 5 s), then re-raise what it raised."""
        self._gone = True
        task = self._task
        if task is not None and not task.done():
            _, pending = await asyncio.wait({task}, timeout=5)
            for late in pending:
                late.cancel()
                await asyncio.wait({late})
        if task is not None and task.done() and not task.cancelled() and task.exception():
            self._errors.append(task.exception())  # type: ignore[arg-type]
        if self._errors and self.raise_exceptions:
            error, self._errors = self._errors[0], []
            raise error


class WebSocketSession:
    """A websocket session driven from plain `def` code (the sync `Client`)."""

    def __init__(
        self, session: AsyncWebSocketSession, run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self._session = session
        self._run = run

    @property
    def accepted_subprotocol(self) -> str | None:
        return self._session.accepted_subprotocol

    @property
    def accept_headers(self) -> list[tuple[bytes, bytes]]:
        return self._session.accept_headers

    @property
    def close_code(self) -> int | None:
        return self._session.close_code

    def send_text(self, data: str) -> None:
        self._run(self._session.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        self._run(self._session.send_bytes(data))

    def send_json(self, data: Any, mode: str = "text") -> None:
        self._run(self._session.send_json(data, mode))

    @property
    def timeout(self) -> float:
        return self._session.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self._session.timeout = seconds

    def receive(self) -> Message:
        return self._run(self._session.receive())  # type: ignore[no-any-return]

    def receive_text(self) -> str:
        return self._run(self._session.receive_text())  # type: ignore[no-any-return]

    def receive_bytes(self) -> bytes:
        return self._run(self._session.receive_bytes())  # type: ignore[no-any-return]

    def receive_json(self, mode: str = "text") -> Any:
        return self._run(self._session.receive_json(mode))

    def close(self, code: int = 1000, reason: str = "") -> None:
        self._run(self._session.close(code, reason))


@contextlib.asynccontextmanager
async def open_session(
    client: AsyncClient,
    path: str,
    *,
    subprotocols: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    query: Any = None,
    secure: bool = False,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - how long each receive waits
) -> AsyncIterator[AsyncWebSocketSession]:
    """What `AsyncClient.websocket()` does: connect, yield the session, disconnect."""
    if client._lifespan is not None:
        await client._lifespan.start()
    scope = websocket_scope(
        path,
        headers={**client.headers, **(headers or {})},
        cookie=client._cookie_header(),
        state=client._lifespan_state(),
        subprotocols=subprotocols,
        query=query,
        secure=secure,
    )
    session = AsyncWebSocketSession(
        client.app, scope, raise_exceptions=client.raise_request_exception, timeout=timeout
    )
    await session.connect()
    try:
        yield session
    finally:
        await session.close()


def websocket_scope(
    url: str,
    *,
    headers: Mapping[str, str],
    cookie: str | None,
    state: dict[str, Any],
    subprotocols: Sequence[str] = (),
    query: Any = None,
    secure: bool = False,
) -> Message:
    parts = urlsplit(url)
    query_string = parts.query
    if query:
        extra = encode_query(query)
        query_string = f"{query_string}&{extra}" if query_string else extra
    raw_path = parts.path or "/"
    merged = {"host": "testserver"}
    if cookie:
        merged["cookie"] = cookie
    merged.update({name.lower(): value for name, value in headers.items()})
    if subprotocols:
        merged["sec-websocket-protocol"] = ", ".join(subprotocols)
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "wss" if secure else "ws",
        "path": unquote(raw_path, errors="replace"),
        "raw_path": raw_path.encode("ascii", "backslashreplace"),
        "query_string": query_string.encode("utf-8"),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443 if secure else 80),
        "subprotocols": list(subprotocols),
        "state": state,
        "extensions": {"websocket.http.response": {}},
    }

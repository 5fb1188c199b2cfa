"""Speak one WebSocket connection to a handler: accept, receive, send, close.

A `WebSocket` wraps the ASGI `(scope, receive, send)` of one connection. Its state goes
CONNECTING -> CONNECTED (after `accept()`) -> CLOSED, and never back. Everything that
ends the conversation surfaces as `WebSocketDisconnect(code)`: the client leaving, a
message the handler cannot use (too big: 1009; binary where text was asked: 1003;
malformed JSON: 1007; the connection is closed first, with that code), and a send on
a connection that is already closed. So a handler needs one `except` for "gone".
Headers, cookies and the query string are parsed on first use only.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from types import SimpleNamespace
from typing import Any, NoReturn, TypeVar

import orjson

from legato._types import Message, Receive, Send
from legato.http.cookies import parse_cookie
from legato.http.headers import HttpHeaders
from legato.http.querydict import QueryDict

__all__ = [
    "CloseCode",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketState",
]

T = TypeVar("T")

DEFAULT_MAX_MESSAGE_SIZE = 1_048_576


class CloseCode(enum.IntEnum):
    """The close codes Legato sends (RFC 6455, section 7.4.1)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    UNSUPPORTED_DATA = 1003
    ABNORMAL = 1006
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013


class WebSocketState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"


class WebSocketDisconnect(Exception):
    """The connection is over: the client left, or it was closed with `code`."""

    def __init__(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = int(code)
        self.reason = reason

    def __str__(self) -> str:
        return f"WebSocket closed with code {self.code}" + (
            f": {self.reason}" if self.reason else ""
        )


class WebSocket:
    """One WebSocket connection, as a handler sees it: `async def handler(ws, **kwargs)`."""

    def __init__(
        self,
        scope: MutableMapping[str, Any],
        receive: Receive,
        send: Send,
        *,
        app: Any = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.scope = scope
        self.app = app
        self.max_message_size = max_message_size
        self.connection_state = WebSocketState.CONNECTING
        self.accepted_subprotocol: str | None = None
        self.close_code: int | None = None  # set once closed, by either side
        self._closed_here = False
        self._receive = receive
        self._send = send
        self._connect_received = False
        self._headers: HttpHeaders | None = None
        self._cookies: dict[str, str] | None = None
        self._query_params: QueryDict | None = None
        self._state: SimpleNamespace | None = None

    def __repr__(self) -> str:
        return f"<WebSocket {self.path!r} {self.connection_state.value}>"

    # What the handshake said. ------------------------------------------------------

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def scheme(self) -> str:
        return str(self.scope.get("scheme", "ws"))

    @property
    def client(self) -> tuple[str, int] | None:
        client = self.scope.get("client")
        return (str(client[0]), int(client[1])) if client else None

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols") or ())

    @property
    def headers(self) -> HttpHeaders:
        if self._headers is None:
            self._headers = HttpHeaders(self.scope.get("headers", ()))
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookie(self.headers.get("cookie", ""))
        return self._cookies

    @property
    def query_params(self) -> QueryDict:
        if self._query_params is None:
            self._query_params = QueryDict(self.scope.get("query_string", b""))
        return self._query_params

    @property
    def state(self) -> SimpleNamespace:
        """The app's lifespan state, a copy per connection (what `request.state` is for HTTP)."""
        if self._state is None:
            self._state = SimpleNamespace(**self.scope.get("state", {}))
        return self._state

    # The handshake. -----------------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Complete the handshake, choosing `subprotocol` (one the client offered) if any."""
        if self.connection_state is not WebSocketState.CONNECTING:
            raise RuntimeError(
                f"accept() was called on a WebSocket that is {self.connection_state.value}."
            )
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise ValueError(
                f"Subprotocol {subprotocol!r} was not offered by the client (it offered "
                f"{self.subprotocols}); pick one of those, or None."
            )
        await self._await_connect()
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        if extra:
            message["headers"] = extra
        await self._send(message)
        self.connection_state = WebSocketState.CONNECTED
        self.accepted_subprotocol = subprotocol

    async def deny(self, status: int = 403, text: str = "") -> None:
        """Refuse the handshake with an HTTP response (403 where the server cannot say more)."""
        if self.connection_state is not WebSocketState.CONNECTING:
            raise RuntimeError("deny() must be called before accept().")
        self._mark_closed(CloseCode.POLICY_VIOLATION, here=True)
        if "websocket.http.response" not in (self.scope.get("extensions") or {}):
            # Closing before accepting makes the server answer 403.
            await self._send({"type": "websocket.close", "code": CloseCode.POLICY_VIOLATION})
            return
        body = text.encode("utf-8")
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode("ascii")),
        ]
        await self._send(
            {"type": "websocket.http.response.start", "status": status, "headers": headers}
        )
        await self._send({"type": "websocket.http.response.body", "body": body})

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Close the connection; before `accept()` this refuses it (the server answers 403)."""
        if self.connection_state is WebSocketState.CLOSED:
            return
        self._mark_closed(code, here=True)
        # OSError: the client is gone already, nothing is left to close.
        with contextlib.suppress(OSError):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    async def _await_connect(self) -> None:
        if self._connect_received:
            return
        message = await self._receive()
        self._connect_received = True
        if message["type"] == "websocket.disconnect":
            self._closed_by_client(message)
        if message["type"] != "websocket.connect":
            raise RuntimeError(f"Expected websocket.connect first, got {message['type']!r}.")

    # Receiving. ---------------------------------------------------------------------

    async def receive(self) -> Message:
        """Return the next `websocket.receive` message, its size checked.

        Raises WebSocketDisconnect when the client leaves or the message is too big.
        """
        if self.connection_state is not WebSocketState.CONNECTED:
            raise self._not_connected("receive")
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            if self.max_message_size is not None and _too_big(message, self.max_message_size):
                await self._refuse(CloseCode.MESSAGE_TOO_BIG, "message too big")
            return message
        if kind == "websocket.disconnect":
            self._closed_by_client(message)
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on an open WebSocket.")

    async def receive_text(self) -> str:
        message = await self.receive()
        text = message.get("text")
        if text is None:
            await self._refuse(CloseCode.UNSUPPORTED_DATA, "expected a text message")
        return str(text)

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            await self._refuse(CloseCode.UNSUPPORTED_DATA, "expected a binary message")
        return bytes(data)

    async def receive_json(self, mode: str = "text") -> Any:
        """Return the next message decoded as JSON (text frames, or binary with mode="binary")."""
        raw = await (self.receive_text() if mode == "text" else self.receive_bytes())
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            await self._refuse(CloseCode.INVALID_DATA, "malformed JSON")

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._until_client_leaves(self._next_message)

    def iter_text(self) -> AsyncIterator[str]:
        return self._until_client_leaves(self.receive_text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return self._until_client_leaves(self.receive_bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        return self._until_client_leaves(self.receive_json)

    async def _next_message(self) -> str | bytes:
        message = await self.receive()
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def _until_client_leaves(self, step: Callable[[], Awaitable[T]]) -> AsyncIterator[T]:
        # The client leaving ends the loop; a close of ours (a bad message) raises, so the
        # code after the loop does not mistake it for a normal goodbye.
        try:
            while True:
                yield await step()
        except WebSocketDisconnect:
            if self._closed_here:
                raise

    def _closed_by_client(self, message: Message) -> NoReturn:
        code = int(message.get("code") or CloseCode.NORMAL)
        self._mark_closed(code, here=False)
        raise WebSocketDisconnect(code, str(message.get("reason") or ""))

    def _mark_closed(self, code: int, *, here: bool) -> None:
        self.connection_state = WebSocketState.CLOSED
        self.close_code = code
        self._closed_here = here

    async def _refuse(self, code: int, reason: str) -> NoReturn:
        await self.close(code, reason)
        raise WebSocketDisconnect(code, reason)

    def _not_connected(self, action: str) -> Exception:
        if self.connection_state is WebSocketState.CONNECTING:
            return RuntimeError(f"Call `await ws.accept()` before you {action}.")
        return WebSocketDisconnect(self.close_code or CloseCode.NORMAL, "the connection is closed")

    # Sending. -----------------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        await self._send_message({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._send_message({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send `data` as JSON (orjson), in a text frame or, with mode="binary", a binary one."""
        encoded = orjson.dumps(data)
        if mode == "text":
            await self.send_text(encoded.decode("utf-8"))
        else:
            await self.send_bytes(encoded)

    async def _send_message(self, message: Message) -> None:
        if self.connection_state is not WebSocketState.CONNECTED:
            raise self._not_connected("send")
        try:
            await self._send(message)
        except OSError:
            # What servers raise when the peer has gone (uvicorn's ClientDisconnected).
            self._mark_closed(CloseCode.ABNORMAL, here=False)
            raise WebSocketDisconnect(CloseCode.ABNORMAL, "the client is gone") from None


def _too_big(message: Message, limit: int) -> bool:
    text = message.get("text")
    if text is not None:
        # A str is at most 4 UTF-8 bytes per character: encode only when that matters.
        return len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8")) > limit)
    data = message.get("bytes")
    return data is not None and len(data) > limit

"""A prototype RSGI edge for a Legato app, for measuring against ASGI on granian.

Two shapes, both sharing everything after the server edge with `ASGIHandler`:

- `AdapterEdge`: the RSGI scope becomes the ASGI scope dict, the protocol becomes an ASGI
  `receive` and `send`, and the app's own `ASGIHandler` serves the request unchanged.
- `FastEdge`: the same, except that an in-memory answer below 400 goes out through one
  synchronous `protocol.response_bytes` call instead of two ASGI messages.

Lifespan: granian calls `__rsgi_init__(loop)` before serving and `__rsgi_del__(loop)`
after; they run the app's start-up and shut-down on that loop. `FastEdge` reaches into
the handler's private steps, and neither edge handles mount points, websockets or
shut-down draining: this is a measurement (bench/rsgi_compare.py; the decision is in
docs/decisions.md, "No RSGI entry"), not an adapter to serve with.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from bench.apps.floor import _item
from bench.apps.legato_app import create_app
from bench.apps.settings import HELLO
from legato import App
from legato.context import current_app
from legato.handlers.asgi import ASGIHandler, ClientDisconnected
from legato.http.response import HttpResponse
from legato.urls.reverse import current_resolver

__all__ = [
    "AdapterEdge",
    "FastEdge",
    "create_adapter_edge",
    "create_bare_rsgi",
    "create_fast_edge",
]

_current_task = asyncio.current_task
_DISCONNECT = {"type": "http.disconnect"}


def create_adapter_edge() -> AdapterEdge:
    return AdapterEdge(create_app())


def create_fast_edge() -> FastEdge:
    return FastEdge(create_app())


def create_bare_rsgi() -> Any:
    """The floor's work (bench/apps/floor.py) answered through RSGI: the server's share."""

    async def app(scope: Any, protocol: Any) -> None:
        path = scope.path
        if path == "/hello/":
            status, body = 200, orjson.dumps(HELLO)
        else:
            status, body = _item(path, scope.query_string.encode("latin-1"))
        protocol.response_bytes(
            status,
            [("content-type", "application/json"), ("content-length", str(len(body)))],
            body,
        )

    return app


class AdapterEdge:
    """An RSGI app whose requests the app's `ASGIHandler` serves, through adapters."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.handler: ASGIHandler | None = None

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.handler = self.app.build()
        loop.run_until_complete(self.app.startup(self.state))

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.app.shutdown())

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        handler = self.handler or self.app.build()
        await handler(asgi_scope(scope, self.state), Receiver(protocol), Sender(protocol))


class FastEdge(AdapterEdge):
    """`AdapterEdge`, with `ASGIHandler.__call__`'s in-memory fast path answered by RSGI."""

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        handler = self.handler or self.app.build()
        task = _current_task()
        if task is None:
            raise RuntimeError("granian runs each RSGI call in an asyncio task.")
        request, ready, prefixed = handler._request_for(asgi_scope(scope, self.state))
        token = current_resolver.set(handler.resolver)
        app_token = current_app.set(handler.app)
        disconnects = handler.disconnects
        disconnects.enter(task)
        send = Sender(protocol)
        try:
            receive = Receiver(protocol)
            if not (ready or await handler._read_request(request, receive, send)):
                return
            disconnects.watch(task, receive)
            try:
                response = await handler.get_response(request)
                if (
                    response.status_code < 400
                    and isinstance(response, HttpResponse)
                    and request.method != "HEAD"
                ):
                    try:
                        protocol.response_bytes(
                            response.status_code, str_headers(response), response.content
                        )
                    finally:
                        response.close()
                else:
                    await handler.send_response(response, send, request=request)
            except asyncio.CancelledError as cancelled:
                handler._end_quietly(task, request, cancelled)
                return
            except ClientDisconnected:
                return
            finally:
                disconnects.stop(task)
        finally:
            disconnects.leave(task)
            current_resolver.reset(token)
            current_app.reset(app_token)
            if prefixed is not None or request.body_data is not None:
                request.close()


def asgi_scope(scope: Any, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": scope.http_version,
        "method": scope.method,
        "scheme": scope.scheme,
        "path": scope.path,
        "query_string": scope.query_string.encode("latin-1"),
        "root_path": "",
        "headers": [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in scope.headers.items()
        ],
        "server": _address(scope.server),
        "client": _address(scope.client),
        "state": state.copy(),
    }


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def str_headers(response: HttpResponse) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.asgi_headers()
    ]


class Receiver:
    """ASGI `receive` over an RSGI protocol: the body's chunks, then the disconnect."""

    __slots__ = ("chunks", "done", "protocol")

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.chunks: Any = None
        self.done = False

    async def __call__(self) -> dict[str, Any]:
        if self.done:
            await self.protocol.client_disconnect()
            return _DISCONNECT
        if self.chunks is None:
            self.chunks = self.protocol.__aiter__()
        try:
            chunk = await self.chunks.__anext__()
        except StopAsyncIteration:
            self.done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}


class Sender:
    """ASGI `send` over an RSGI protocol: one `response_bytes`, or a response stream."""

    __slots__ = ("headers", "protocol", "status", "stream")

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.status = 500
        self.headers: list[tuple[str, str]] = []
        self.stream: Any = None

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message["headers"]
            ]
            return
        body = message.get("body", b"")
        if self.stream is None:
            if not message.get("more_body", False):
                self.protocol.response_bytes(self.status, self.headers, body)
                return
            self.stream = self.protocol.response_stream(self.status, self.headers)
        if body:
            try:
                await self.stream.send_bytes(body)
            except RuntimeError as exc:  # granian's ProtocolClosed: the client left
                raise ConnectionResetError(str(exc)) from None

"""Turn one ASGI HTTP connection into one response.

The path, in order: scope -> Host check -> body read (bounded, spooled) -> HttpRequest ->
middleware chain (`Handler.get_response`) -> send -> after-response work. The body is
read completely before the view runs, so a view never awaits the network for its own
input; limits are enforced while reading, so an oversized body is refused without being
buffered. Errors raised before the chain (bad Host, oversized or malformed body) go
through the same `ErrorResponder` as everything else.

From the view's start to the last chunk sent, a disconnect `Watch` cancels the work if
the client leaves. Every request task is tracked in `in_flight`, so shut-down can give
them a grace period (`drain`) and refuse new ones meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import Any

from legato._types import Receive, Scope, Send
from legato.exceptions import BadRequest, SuspiciousOperation
from legato.handlers.after_response import run_after_response
from legato.handlers.base import Handler
from legato.handlers.disconnect import DisconnectWatcher
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.hosts import AllowedHosts
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase, StreamingHttpResponse
from legato.urls.reverse import current_resolver

__all__ = ["ASGIHandler", "ClientDisconnected", "Receive", "Scope", "Send"]


class ClientDisconnected(Exception):
    """The client went away before the request body was complete."""


class ASGIHandler:
    """Serve `http` scopes for one app; the app builds it once, at start-up."""

    def __init__(
        self, handler: Handler, *, limits: RequestLimits, allowed_hosts: AllowedHosts
    ) -> None:
        self.handler = handler
        self.limits = limits
        self.allowed_hosts = allowed_hosts
        self.run_sync = handler.thread_pool.run
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.disconnects = DisconnectWatcher()
        self.draining = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.draining:
            await send_unavailable(send)
            return
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Legato must be called from inside an asyncio task.")
        request = HttpRequest(scope, limits=self.limits, allowed_hosts=self.allowed_hosts)
        token = current_resolver.set(self.handler.resolver)
        self.in_flight.add(task)
        try:
            await self._serve(request, scope, receive, send, task)
        finally:
            self.in_flight.discard(task)
            current_resolver.reset(token)
            request.close()

    async def _serve(
        self,
        request: HttpRequest,
        scope: Scope,
        receive: Receive,
        send: Send,
        task: asyncio.Task[Any],
    ) -> None:
        try:
            response = await self._read_request(request, scope, receive)
        except ClientDisconnected:
            return  # gone before the body was complete: no view runs
        watch = None
        try:
            if response is None:
                watch = self.disconnects.watch(receive, task)
                response = await self.handler.get_response(request)
            await self.send_response(response, send, head=request.method == "HEAD")
        except asyncio.CancelledError:
            if watch is None or not watch.client_gone:
                raise  # the server is cancelling us (shutdown): let it
            task.uncancel()  # the client left: nobody to answer, nothing to report
            return
        finally:
            if watch is not None:
                watch.stop()
        if request.after_response_calls:
            await run_after_response(request, self.handler.thread_pool)

    async def _read_request(
        self, request: HttpRequest, scope: Scope, receive: Receive
    ) -> HttpResponseBase | None:
        """Check the Host and read the body; return a response only if that failed."""
        try:
            request.get_host()
            request.body_data = await read_body(scope, receive, self.limits)
        except (BadRequest, SuspiciousOperation) as exc:
            return await self.handler.errors.response_for_exception(request, exc)
        return None

    async def drain(self, grace: float) -> None:
        """Refuse new requests, give those in flight `grace` seconds, then cancel them."""
        self.draining = True
        pending = {task for task in self.in_flight if not task.done()}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1.0)

    async def send_response(self, response: HttpResponseBase, send: Send, *, head: bool) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": response.asgi_headers(),
                }
            )
            if head:
                await send({"type": "http.response.body", "body": b""})
            elif isinstance(response, HttpResponse):
                await send({"type": "http.response.body", "body": response.content})
            elif isinstance(response, StreamingHttpResponse):
                async for chunk in response.aiter_chunks(self.run_sync):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            else:
                raise TypeError(f"Cannot send a {type(response).__name__}; it has no body.")
        finally:
            if response.streaming:
                await response.aclose()
            else:
                response.close()


async def send_unavailable(send: Send) -> None:
    body = b"The server is shutting down; retry on another connection."
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"retry-after", b"1"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(scope: Scope, receive: Receive, limits: RequestLimits) -> RequestBody:
    """Read the whole body through a `BodyReader`, which enforces the limits as it goes."""
    content_type, content_length, framed = _body_headers(scope)
    if not framed and scope["method"] in _BODYLESS_METHODS:
        # No Content-Length, no Transfer-Encoding: HTTP/1.1 says there is no body. The
        # empty http.request message is left unread; the disconnect watch skips it.
        return _NO_BODY
    reader = BodyReader(content_type, content_length, limits)
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            reader.feed(message.get("body", b""))
            if not message.get("more_body", False):
                return reader.finish()
    except BaseException:
        reader.close()
        raise


_BODYLESS_METHODS = frozenset({"GET", "HEAD"})
_NO_BODY = RequestBody(b"")


def _body_headers(scope: Scope) -> tuple[bytes | None, int | None, bool]:
    """Content-Type, Content-Length, and whether the request frames a body at all."""
    content_type = None
    content_length = None
    framed = False
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            content_length = _parse_content_length(value)
            framed = True
        elif name == b"transfer-encoding":
            framed = True
    return content_type, content_length, framed


def _parse_content_length(value: bytes) -> int:
    # The server has already framed the body by this header; a value it accepted but that
    # is not a plain number still must not reach the limits as garbage.
    if not value.isdigit():
        raise BadRequest(f"Invalid Content-Length header: {value[:40]!r}.")
    return int(value)

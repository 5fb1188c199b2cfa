"""Turn one ASGI HTTP connection into one response.

The path, in order: scope -> Host check -> body read (bounded, spooled) -> HttpRequest ->
middleware chain (`Handler.get_response`) -> send. The body is read completely before
the view runs, so a view never awaits the network for its own input; limits are enforced
while reading, so an oversized body is refused without being buffered. Errors raised
before the chain (bad Host, oversized or malformed body) go through the same
`ErrorResponder` as everything else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from legato.exceptions import BadRequest, SuspiciousOperation
from legato.handlers.base import Handler
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.hosts import AllowedHosts
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase, StreamingHttpResponse
from legato.urls.reverse import current_resolver

__all__ = ["ASGIHandler", "ClientDisconnected", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = HttpRequest(scope, limits=self.limits, allowed_hosts=self.allowed_hosts)
        token = current_resolver.set(self.handler.resolver)
        try:
            response = await self._response_for(request, scope, receive)
            if response is not None:
                await self.send_response(response, send, head=request.method == "HEAD")
        finally:
            current_resolver.reset(token)
            if request.body_data is not None:
                request.body_data.close()

    async def _response_for(
        self, request: HttpRequest, scope: Scope, receive: Receive
    ) -> HttpResponseBase | None:
        try:
            request.get_host()
            request.body_data = await read_body(scope, receive, self.limits)
        except ClientDisconnected:
            return None  # nobody is left to answer
        except (BadRequest, SuspiciousOperation) as exc:
            return await self.handler.errors.response_for_exception(request, exc)
        return await self.handler.get_response(request)

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
            await response.aclose()


async def read_body(scope: Scope, receive: Receive, limits: RequestLimits) -> RequestBody:
    """Read the whole body through a `BodyReader`, which enforces the limits as it goes."""
    content_type, content_length = _body_headers(scope)
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


def _body_headers(scope: Scope) -> tuple[bytes | None, int | None]:
    content_type = None
    content_length = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            content_length = _parse_content_length(value)
    return content_type, content_length


def _parse_content_length(value: bytes) -> int:
    # The server has already framed the body by this header; a value it accepted but that
    # is not a plain number still must not reach the limits as garbage.
    if not value.isdigit():
        raise BadRequest(f"Invalid Content-Length header: {value[:40]!r}.")
    return int(value)

"""Answer the benchmark endpoints with a bare ASGI callable: the floor every ratio uses.

It does the same work as the framework apps and nothing more: match the path by hand,
parse the query string with the standard library, encode JSON with orjson. No routing
table, no request object, no middleware; that is what "the floor" means.

`create_app_with_security_headers` is the floor sending the four headers Legato's
default middleware stack adds, as constants: what those headers cost the server itself
(scenario 6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from bench.apps.settings import HELLO, read_settings

__all__ = ["SECURITY_HEADERS", "create_app", "create_app_with_security_headers"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]

_NOT_FOUND = (404, b'{"detail":"Not Found"}')

# What legato.middleware.DEFAULT_MIDDLEWARE adds to a plain response, in wire form.
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def create_app_with_security_headers() -> ASGIApp:
    return create_app(extra_headers=SECURITY_HEADERS)


def create_app(extra_headers: list[tuple[bytes, bytes]] | None = None) -> ASGIApp:
    sleep = read_settings().sleep
    extra = extra_headers or []

    async def answer(path: str, query: bytes) -> tuple[int, bytes]:
        if path == "/hello/":
            return 200, orjson.dumps(HELLO)
        if path == "/sleep/":
            await asyncio.sleep(sleep)
            return 200, orjson.dumps({"slept": sleep})
        if path.startswith("/items/"):
            return _item(path, query)
        return _NOT_FOUND

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        status, body = await answer(scope["path"], scope["query_string"])
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def _item(path: str, query: bytes) -> tuple[int, bytes]:
    pk = path[len("/items/") :].rstrip("/")
    if not pk.isdigit() or not path.endswith("/"):
        return _NOT_FOUND
    q = dict(parse_qsl(query.decode("latin-1"))).get("q")
    return 200, orjson.dumps({"pk": int(pk), "q": q})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

"""Call one upstream API and say what came back: its JSON, or why there is none.

`fetch_json` never raises for an upstream's failure: a timeout, a refused connection, an
HTTP error status and a body that is not JSON each become a `Missing` part with a reason
code and a sentence, so one bad upstream costs the answer one part, not a 500. The
deadline covers the whole call (connecting, waiting for a connection from the pool,
sending, and reading the body), which httpx's own timeouts, per operation, do not.
Cancellation from outside (a gone client) is not a failure: it propagates.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import orjson

__all__ = ["Found", "Missing", "Part", "fetch_json"]


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    data: Any


@dataclasses.dataclass(frozen=True, slots=True)
class Missing:
    """Why an upstream's part is missing: `reason` is a code, `detail` a sentence."""

    reason: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"reason": self.reason, "detail": self.detail}


Part = Found | Missing


async def fetch_json(client: httpx.AsyncClient, url: str, deadline: float) -> Part:
    """GET `url` and decode its JSON, within `deadline` seconds for the whole call."""
    try:
        async with asyncio.timeout(deadline):
            response = await client.get(url)
    except (TimeoutError, httpx.TimeoutException):
        return Missing("timeout", f"No answer within {deadline:g} s.")
    except httpx.ConnectError as exc:
        return _connect_failure(exc)
    except httpx.HTTPError as exc:
        return Missing("transport_error", f"The connection failed: {type(exc).__name__}: {exc}")
    return _decode(response)


def _decode(response: httpx.Response) -> Part:
    if not response.is_success:
        return Missing("http_error", f"HTTP {response.status_code} {response.reason_phrase}")
    try:
        return Found(orjson.loads(response.content))
    except orjson.JSONDecodeError as exc:
        kind = response.headers.get("content-type", "no content type")
        return Missing("invalid_json", f"The body ({kind}) is not JSON: {exc}")


def _connect_failure(exc: httpx.ConnectError) -> Missing:
    # httpx reports every failed connect as "All connection attempts failed"; the
    # ConnectionRefusedError that tells "nothing listens there" is further down the chain.
    refused = _find_cause(exc, ConnectionRefusedError)
    if refused is not None:
        return Missing("connection_refused", f"Connection refused: {refused}")
    return Missing("connection_failed", f"Could not connect: {exc}")


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        pending += [current.__cause__, current.__context__]
        pending += getattr(current, "exceptions", ())
    return None

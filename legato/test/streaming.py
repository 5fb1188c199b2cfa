"""Read a streaming response in a test chunk by chunk, or event by event, while it streams.

`client.stream(...)` starts the request and hands back a `StreamingTestResponse` as soon
as the app has sent its status and headers; the body arrives through `aiter_chunks()` or
`aiter_events()` (Server-Sent Events, parsed by the WHATWG rules). Leaving the `with`
block disconnects the client, which cancels the app's stream as a real server would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

from legato.http.response import ResponseHeaders

__all__ = ["Event", "StreamingTestResponse", "parse_events"]

_END = b""


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched Server-Sent Event, as a browser's EventSource would see it."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class StreamingTestResponse:
    """Status and headers at once; the body as it arrives."""

    __test__ = False

    streaming = True

    def __init__(self, status: int, raw_headers: Iterable[tuple[bytes, bytes]]) -> None:
        self.status_code = status
        self.headers = ResponseHeaders()
        for raw_name, raw_value in raw_headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            if name in self.headers:
                value = f"{self.headers[name]}, {value}"
            self.headers[name] = value
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._finished = False

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def feed(self, chunk: bytes, *, more_body: bool) -> None:
        if chunk:
            self._chunks.put_nowait(chunk)
        if not more_body:
            self._chunks.put_nowait(_END)

    async def aiter_chunks(self) -> AsyncIterator[bytes]:
        """Each body chunk the app sent, in order, as it is sent."""
        while not self._finished:
            chunk = await self._chunks.get()
            if chunk is _END:
                self._finished = True
                return
            yield chunk

    async def aiter_events(self) -> AsyncIterator[Event]:
        """The body parsed as a Server-Sent Events stream; comments are skipped."""
        parser = EventParser()
        async for chunk in self.aiter_chunks():
            for event in parser.feed(chunk):
                yield event

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.aiter_chunks()])


class EventParser:
    """An incremental `text/event-stream` parser (WHATWG HTML, 9.2.6)."""

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> Iterator[Event]:
        self._buffer += chunk.decode("utf-8", errors="replace")
        lines = self._buffer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._buffer = lines.pop()
        for line in lines:
            event = self._line(line)
            if event is not None:
                yield event

    def _line(self, line: str) -> Event | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> Event | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return Event("\n".join(data), event or "message", self._id, self._retry)


def parse_events(body: bytes) -> list[Event]:
    """Parse a complete event-stream body."""
    return list(EventParser().feed(body))

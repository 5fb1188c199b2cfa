"""Format Server-Sent Events and stream them, with heartbeats, as a response.

Encoding follows the WHATWG event-stream format: one `data:` line per line of the data
(CR, LF and CRLF all end a line), `id` free of CR/LF/NUL and `event` free of CR/LF
(checked when the event is made), UTF-8 on the wire. Heartbeats are comment lines sent
after `heartbeat` seconds without an event; waiting for one never cancels the producer,
whose pending step is kept across heartbeats and cancelled only when the stream closes.

An event stream never ends by itself, so it ends when the server begins shutting down,
after one last event (`shutdown_event`): by default a `retry` of one second and a
comment, which an EventSource takes as "reconnect in a second" without dispatching
anything, so it comes back promptly, to another process.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable

from legato.http import _json
from legato.http.response_headers import HeaderSource
from legato.http.streaming import StreamingHttpResponse, StreamSource

__all__ = ["RECONNECT_SOON", "EventStreamResponse", "ServerSentEvent"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[str]:
    if "\n" not in text and "\r" not in text:
        return [text]
    return _LINE_BREAK.split(text)


def _data_text(data: object) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, bytes):
        return data.decode("utf-8")
    return _json.dumps(data).decode("utf-8")


class ServerSentEvent:
    """One event: `data` (str as is, bytes as UTF-8, anything else as JSON) and fields.

    `data=None` sends no data line, for messages that only set `id` or `retry`, or
    only carry a `comment`.
    """

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: object = None,
        event: str | None = None,
        id: str | int | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if event is not None and ("\n" in event or "\r" in event):
            raise ValueError(f"An SSE event name can't contain CR or LF (got {event!r}).")
        if id is not None:
            id = str(id)
            if "\n" in id or "\r" in id or "\0" in id:
                raise ValueError(
                    f"An SSE id can't contain CR, LF or NUL (got {id!r}): browsers would "
                    "ignore it or split the event."
                )
        if retry is not None and (type(retry) is not int or retry < 0):
            raise ValueError(f"SSE retry must be a whole number of milliseconds (got {retry!r}).")
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment

    def __repr__(self) -> str:
        fields = ("data", "event", "id", "retry", "comment")
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)
        return f"{type(self).__name__}({shown})"

    def encode(self) -> bytes:
        """Return the event's bytes, blank line included."""
        out: list[str] = []
        if self.comment is not None:
            out.extend(f": {line}\n" for line in _lines(self.comment))
        if self.id is not None:
            out.append(f"id: {self.id}\n")
        if self.event is not None:
            out.append(f"event: {self.event}\n")
        if self.retry is not None:
            out.append(f"retry: {self.retry}\n")
        if self.data is not None:
            out.extend(f"data: {line}\n" for line in _lines(_data_text(self.data)))
        out.append("\n")
        return "".join(out).encode("utf-8")


RECONNECT_SOON = ServerSentEvent(retry=1000, comment="the server is shutting down; reconnect")


def _retrieve(task: asyncio.Future[bytes | None]) -> None:
    # An abandoned step may still fail; reading its outcome keeps asyncio from logging
    # "exception was never retrieved" for a stream nobody is listening to.
    if not task.cancelled():
        task.exception()


class EventStreamResponse(StreamingHttpResponse):
    """Stream events (ServerSentEvent, str, or JSON-able data) as text/event-stream.

    Items that are bytes are sent as they are: already encoded events. When shut-down
    begins the stream ends, after `shutdown_event` (None: nothing more).
    """

    heartbeat_comment = b": ping\n\n"
    ends_at_shutdown = True

    def __init__(
        self,
        events: StreamSource,
        *,
        heartbeat: float | None = 15.0,
        headers: HeaderSource | None = None,
        status: int | None = None,
        shutdown_event: ServerSentEvent | None = RECONNECT_SOON,
    ) -> None:
        if heartbeat is not None and heartbeat < 0:
            raise ValueError(f"heartbeat must be a number of seconds >= 0 (got {heartbeat!r}).")
        super().__init__(events, content_type="text/event-stream", status=status, headers=headers)
        self.heartbeat = heartbeat
        self.shutdown_event = shutdown_event
        self._pending: asyncio.Future[bytes | None] | None = None
        self.headers.setdefault("Cache-Control", "no-cache")
        # nginx buffers proxied responses unless told not to, which would hold events.
        self.headers.setdefault("X-Accel-Buffering", "no")

    def make_bytes(self, value: object) -> bytes:
        if isinstance(value, ServerSentEvent):
            return value.encode()
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        return ServerSentEvent(value).encode()

    def shutdown_chunk(self) -> bytes:
        return b"" if self.shutdown_event is None else self.shutdown_event.encode()

    def _stream(self, pull: Callable[[], Awaitable[bytes | None]]) -> AsyncGenerator[bytes, None]:
        if not self.heartbeat:
            return super()._stream(pull)
        return self._stream_with_heartbeat(pull, self.heartbeat)

    async def _stream_with_heartbeat(
        self, pull: Callable[[], Awaitable[bytes | None]], heartbeat: float
    ) -> AsyncGenerator[bytes, None]:
        try:
            while True:
                if self._pending is None:
                    self._pending = asyncio.ensure_future(pull())
                done, _ = await asyncio.wait((self._pending,), timeout=heartbeat)
                if not done:  # silence: the step keeps running, a comment keeps the line up
                    yield self.heartbeat_comment
                    continue
                step, self._pending = self._pending, None
                chunk = step.result()
                if chunk is None:
                    return
                yield chunk
        finally:
            if self._pending is not None:
                self._pending.cancel()
                self._pending.add_done_callback(_retrieve)

    async def aclose(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
            # The source must have left its step before it can be closed.
            await asyncio.wait((pending,))
            if not pending.cancelled():
                pending.exception()
        await super().aclose()

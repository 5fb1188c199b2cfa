"""Bound a request head on uvicorn's httptools protocol: its size and its arrival time.

llhttp buffers a header line until it ends, whatever its length, and uvicorn gives a
head that trickles in no deadline. `HttpToolsProtocol` keeps uvicorn's protocol (and its
speed) and adds both bounds, at the cost of a few attribute operations per read:

- Size: from a request's first byte to the end of its head, the length of each read is
  added up. Past `max_size` the request is answered 431 and the connection closed, so
  at most the limit plus one read of a head is ever buffered. When the head ends, a
  count over the limit (it includes body bytes read with the head) is checked against
  the size of the head as parsed, so a head just under the limit is served. Trailer
  fields of a chunked body, which the parser buffers the same way, get the same limit.
- Time: one timer per connection, never re-armed per chunk. A head's clock starts when
  the connection opens or the previous response ends; the head must be complete within
  `timeout` seconds, plus one second per `min_rate` bytes received (Apache's
  mod_reqtimeout model). Too late: 408 and close, or a plain close if nothing came.

Idle keep-alive connections are uvicorn's (`timeout_keep_alive`); request bodies are the
app's (`legato.handlers.asgi.read_body` bounds their rate on every ASGI server).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, cast

import httptools
from uvicorn.config import Config as UvicornConfig
from uvicorn.protocols.http import httptools_impl
from uvicorn.server import ServerState

from legato.config import Config

__all__ = ["HeadLimits", "HttpToolsProtocol", "http_protocol"]


@dataclass(frozen=True, slots=True)
class HeadLimits:
    """How large a request head may be and how slowly it may arrive; None: no bound."""

    max_size: int | None = 65_536
    timeout: float | None = 20.0
    min_rate: float | None = 500.0

    @classmethod
    def from_config(cls, config: Config) -> HeadLimits:
        return cls(
            max_size=config.max_request_head_size,
            timeout=config.request_head_timeout,
            min_rate=config.request_head_min_rate,
        )


def http_protocol(config: object) -> type[asyncio.Protocol]:
    """What to pass to uvicorn as `http=`: `HttpToolsProtocol` bound to the app's limits.

    `config` is the app's `Config`; for an app that is not Legato's, the defaults apply,
    with their `LEGATO_*` overrides. A partial of a module-level class pickles, so
    `--workers` and `--reload`, which hand uvicorn's config to new processes, give every
    worker the same limits.
    """
    if not isinstance(config, Config):
        config = Config.from_arguments({})
    limits = HeadLimits.from_config(config)
    return cast("type[asyncio.Protocol]", functools.partial(HttpToolsProtocol, limits=limits))


class _HeadRefused(Exception):
    """Raised from a parser callback to stop parsing a head that was just refused."""


# The parser callbacks below run for every request: they call uvicorn's methods through
# this name rather than super(), which costs a little more each time.
_Uvicorn = httptools_impl.HttpToolsProtocol


class HttpToolsProtocol(_Uvicorn):
    """uvicorn's httptools protocol with a bounded request head (size and time)."""

    def __init__(
        self,
        config: UvicornConfig,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HeadLimits | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limits = limits = limits or HeadLimits()
        # A plain number, so the per-read test is one comparison with no None check.
        self._max_head: float = float("inf") if limits.max_size is None else limits.max_size
        self._read_size = 0  # what a head beginning in the current read counts of it
        self._head_open = False  # between a request's first byte and the end of its head
        self._head_received = 0  # bytes counted for that head, see on_message_begin
        self._chunk_open = False  # inside one chunk of a chunked body, trailers included
        self._framing_received = 0  # bytes read in that chunk that carried no body
        self._head_clock = 0.0  # when the connection opened or the last response ended
        self._head_timer: asyncio.TimerHandle | None = None

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        timeout = self.head_limits.timeout
        if timeout is not None:
            self._head_clock = self.loop.time()
            self._head_timer = self.loop.call_at(self._head_clock + timeout, self._check_head)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        self._stop_head_timer()  # the websocket protocol owns the connection from now on
        super().handle_websocket_upgrade()

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received, plus the counts; written out so that a head refused
        # inside a parser callback is not also answered 400.
        keep_alive = self.timeout_keep_alive_task
        if keep_alive is not None:  # the first read since a response: it ended then
            keep_alive.cancel()
            self.timeout_keep_alive_task = None
            self._head_clock = keep_alive.when() - self.timeout_keep_alive
        size = len(data)
        cycle = self.cycle
        # A head that begins in this read begins at its start, unless the previous
        # request was still arriving (pipelining, or an answer sent before its body
        # ended): then the count starts with the next read, at most one read more held.
        if self._head_open:
            self._head_received += size
            self._read_size = 0
        else:
            self._read_size = size if cycle is None or not cycle.more_body else 0
        body_before = len(cycle.body) if self._chunk_open else -1
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if not self.transport.is_closing():  # closing: already answered (431)
                message = "Invalid HTTP request received."
                self.logger.warning(message)
                self.send_400_response(message)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._head_open and self._head_received > self._max_head:
            self._refuse("Request head", "send fewer or smaller headers")
        elif self._chunk_open and len(self.cycle.body) == body_before:
            self._count_framing(size)

    # Parser callbacks

    def on_message_begin(self) -> None:
        # Count the read whole (an upper bound), once: a second head in the same read
        # follows a whole request in it (pipelining) and is counted from the next read.
        self._head_open = True
        self._head_received = self._read_size
        self._read_size = 0
        _Uvicorn.on_message_begin(self)

    def on_headers_complete(self) -> None:
        self._head_open = False
        if self._head_received > self._max_head and self._parsed_head_size() > self._max_head:
            self._refuse("Request head", "send fewer or smaller headers")
            raise _HeadRefused
        self._head_received = 0
        _Uvicorn.on_headers_complete(self)

    def on_chunk_header(self) -> None:
        # Only chunked bodies call this. The last chunk's trailer fields are buffered by
        # the parser like header fields, so a read inside a chunk that adds no body is
        # counted against the head limit too.
        self._chunk_open = True
        self._framing_received = 0

    def on_chunk_complete(self) -> None:
        self._chunk_open = False

    # Size

    def _parsed_head_size(self) -> int:
        """The request line and header lines as parsed (optional whitespace aside)."""
        size = len(self.url) + len(b"GET  HTTP/1.1\r\n\r\n")
        for name, value in self.headers:
            size += len(name) + len(value) + 4  # ": " and CRLF
        return size

    def _count_framing(self, size: int) -> None:
        self._framing_received += size
        if self._framing_received > self._max_head:
            self._refuse("Chunked-body framing or trailer fields", "send smaller trailers")

    def _refuse(self, what: str, advice: str) -> None:
        self._head_open = self._chunk_open = False
        self.logger.warning(
            "%s over %d bytes from %s; refused, connection closed.",
            what,
            self._max_head,
            _address(self.client),
        )
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # an answer is on its way already: only close
            return
        self._answer_and_close(
            431, f"{what} larger than {self._max_head} bytes (max_request_head_size); {advice}."
        )

    # Time

    def _check_head(self) -> None:
        """The connection's one head timer: cut a late head, or sleep until it may be."""
        self._head_timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        timeout = cast(float, self.head_limits.timeout)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # A request is in flight, its head complete; the next head's clock starts
            # when it is answered, no sooner than `now`, so looking again then is early.
            deadline = now + timeout
        else:
            keep_alive = self.timeout_keep_alive_task
            if keep_alive is not None:  # idle since a response, armed when it ended
                self._head_clock = keep_alive.when() - self.timeout_keep_alive
            deadline = self._head_clock + timeout
            if self.head_limits.min_rate:
                deadline += self._head_received / self.head_limits.min_rate
            if now >= deadline:
                self._cut_slow_head(now)
                return
        self._head_timer = self.loop.call_at(deadline, self._check_head)

    def _cut_slow_head(self, now: float) -> None:
        if not self._head_open:  # no byte of a request came: nobody to answer
            self.transport.close()
            return
        self._head_open = False
        self.logger.info(
            "Request head from %s incomplete after %.1f s; answered 408.",
            _address(self.client),
            now - self._head_clock,
        )
        self._answer_and_close(
            408,
            "Request head not received in time (request_head_timeout, "
            "request_head_min_rate); send it faster.",
        )

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _answer_and_close(self, status: int, message: str) -> None:
        body = message.encode()
        head = [httptools_impl.STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"content-type: text/plain; charset=utf-8\r\n")
        head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def _address(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "an unknown client"

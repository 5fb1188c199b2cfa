"""The bounded httptools protocol, driven in-process through a fake transport.

Each test feeds reads to `HttpToolsProtocol` as a socket would (waiting while uvicorn
has paused reading, as a real transport does) and looks at what it wrote and whether it
closed. The app is a bare ASGI echo: what is tested is the server side.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import pickle
from collections.abc import Sequence
from typing import Any

import pytest
import uvicorn
from hypothesis import example, given, settings
from hypothesis import strategies as st
from uvicorn.server import ServerState

from legato.config import Config
from legato.server.protocols import HeadLimits, HttpToolsProtocol, http_protocol


class Transport:
    """Just enough of an asyncio transport for uvicorn's protocol."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False
        self.closing = asyncio.Event()
        self.paused = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def write(self, data: bytes) -> None:
        if not self.closed:
            self.written += data

    def close(self) -> None:
        self.closed = True
        self.closing.set()

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def set_protocol(self, protocol: Any) -> None:
        pass


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer with the size of the body and of the header values."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    headers = sum(len(value) for _, value in scope["headers"])
    body = b"%d %d" % (size, headers)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


def connect(limits: HeadLimits, app: Any = echo) -> tuple[HttpToolsProtocol, Transport]:
    config = uvicorn.Config(app=app, lifespan="off", log_config=None, log_level="critical")
    protocol = HttpToolsProtocol(
        config=config,
        server_state=ServerState(),
        app_state={},
        _loop=asyncio.get_running_loop(),
        limits=limits,
    )
    transport = Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


async def feed(reads: Sequence[bytes], limits: HeadLimits) -> tuple[Transport, int]:
    """Deliver `reads`; return the transport and how many bytes were delivered."""
    protocol, transport = connect(limits)
    delivered = 0
    for data in reads:
        for _ in range(1000):  # a paused transport delivers nothing until resumed
            if not transport.paused:
                break
            await asyncio.sleep(0)
        if transport.closed:
            break
        protocol.data_received(data)
        delivered += len(data)
        await asyncio.sleep(0)
    for _ in range(20):  # let the app answer what was complete
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return transport, delivered


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[start:end] for start, end in itertools.pairwise(points) if end > start]


def get(header_sizes: list[int]) -> bytes:
    lines = [b"GET /echo HTTP/1.1", b"Host: test"]
    lines += [b"X-%d: %s" % (index, b"v" * size) for index, size in enumerate(header_sizes)]
    return b"\r\n".join(lines) + b"\r\n\r\n"


LIMIT = 2048


@settings(max_examples=150, deadline=None)
@given(
    header_sizes=st.lists(st.integers(0, 1500), max_size=4),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_a_head_is_served_up_to_the_limit_and_refused_past_it(
    header_sizes: list[int], cuts: list[int]
) -> None:
    request = get(header_sizes)
    transport, _ = asyncio.run(feed(split(request, cuts), HeadLimits(max_size=LIMIT)))
    if len(request) <= LIMIT:
        assert transport.written.startswith(b"HTTP/1.1 200 ")
    else:
        assert transport.written.startswith(b"HTTP/1.1 431 ")
        assert transport.closed


@settings(max_examples=300, deadline=None)
@given(
    bodies=st.lists(st.integers(0, 6000), min_size=2, max_size=4),
    header_size=st.integers(0, 1900),
    cuts=st.lists(st.integers(0, 40_000), max_size=8),
)
# The first head still arriving when the second begins in the same read.
@example(bodies=[0, 0], header_size=965, cuts=[1, 6164])
def test_pipelined_requests_under_the_limit_are_all_served(
    bodies: list[int], header_size: int, cuts: list[int]
) -> None:
    # Large bodies ahead of a head in the same read must not count against that head.
    requests = b"".join(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nX-Pad: %s\r\nContent-Length: %d\r\n\r\n%s"
        % (b"p" * header_size, size, b"b" * size)
        for size in bodies
    )
    transport, _ = asyncio.run(feed(split(requests, cuts), HeadLimits(max_size=LIMIT)))
    assert transport.written.count(b"HTTP/1.1 200 ") == len(bodies)
    assert b"HTTP/1.1 431" not in transport.written


@settings(max_examples=50, deadline=None)
@given(read_size=st.integers(1, 9000))
def test_an_endless_header_line_is_cut_within_one_read_past_the_limit(read_size: int) -> None:
    reads = 2 * LIMIT // read_size + 2  # far past the limit
    endless = [b"GET / HTTP/1.1\r\nHost: test\r\nX-Flood: "] + [b"a" * read_size] * reads
    transport, delivered = asyncio.run(feed(endless, HeadLimits(max_size=LIMIT)))
    assert transport.written.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"max_request_head_size" in transport.written
    assert transport.closed
    assert delivered <= LIMIT + read_size


def test_endless_chunked_trailers_are_cut_like_a_head() -> None:
    start = b"POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
    endless = [start, b"0\r\nX-Trailer: "] + [b"t" * 1000] * 100
    transport, delivered = asyncio.run(feed(endless, HeadLimits(max_size=LIMIT)))
    assert transport.closed
    assert delivered <= len(start) + 2 * LIMIT


def test_a_long_chunked_body_is_not_mistaken_for_trailers() -> None:
    start = b"POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (100_000, b"c" * 100_000)
    reads = [start, *split(chunk * 3, list(range(0, 400_000, 997))), b"0\r\nX-T: 1\r\n\r\n"]
    transport, _ = asyncio.run(feed(reads, HeadLimits(max_size=LIMIT)))
    assert transport.written.startswith(b"HTTP/1.1 200 ")
    assert transport.written.endswith(b"\r\n\r\n300000 12")  # uvicorn adds the trailer


def test_no_limit_means_no_refusal() -> None:
    request = get([100_000])
    transport, _ = asyncio.run(feed(split(request, [1000, 50_000]), HeadLimits(max_size=None)))
    assert transport.written.startswith(b"HTTP/1.1 200 ")


async def wait_closed(transport: Transport, seconds: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(transport.closing.wait(), seconds)
    return loop.time() - started


def test_a_head_that_trickles_is_answered_408_after_the_timeout() -> None:
    async def scenario() -> tuple[Transport, float]:
        protocol, transport = connect(HeadLimits(timeout=0.2, min_rate=None))
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        for _ in range(5):
            await asyncio.sleep(0.02)
            protocol.data_received(b"a")
        waited = await wait_closed(transport, 2.0)
        protocol.connection_lost(None)
        return transport, waited

    transport, waited = asyncio.run(scenario())
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert waited < 1.0


def test_a_connection_that_sends_nothing_is_closed_without_an_answer() -> None:
    async def scenario() -> Transport:
        protocol, transport = connect(HeadLimits(timeout=0.1))
        await wait_closed(transport, 2.0)
        protocol.connection_lost(None)
        return transport

    transport = asyncio.run(scenario())
    assert transport.closed
    assert transport.written == b""


def test_the_min_rate_extends_the_head_deadline() -> None:
    async def scenario() -> tuple[Transport, float]:
        # 0.2 s plus 1 s per 1,000 bytes: a 1,000-byte head sent at once, then a crawl.
        protocol, transport = connect(HeadLimits(timeout=0.2, min_rate=1000))
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 960)
        waited = await wait_closed(transport, 3.0)
        protocol.connection_lost(None)
        return transport, waited

    transport, waited = asyncio.run(scenario())
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    assert 1.1 < waited < 2.0


def test_a_slow_view_is_not_cut_and_the_next_head_gets_a_fresh_clock() -> None:
    async def slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(0.4)  # twice the head timeout
        await echo(scope, receive, send)

    async def scenario() -> tuple[Transport, bytes]:
        protocol, transport = connect(HeadLimits(timeout=0.2), app=slow)
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        await asyncio.sleep(0.5)
        answered = bytes(transport.written)
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")  # never ends
        await wait_closed(transport, 2.0)
        protocol.connection_lost(None)
        return transport, answered

    transport, answered = asyncio.run(scenario())
    assert answered.startswith(b"HTTP/1.1 200 ")
    assert transport.written[len(answered) :].startswith(b"HTTP/1.1 408 ")
    assert transport.closed


def test_the_head_clock_restarts_when_a_response_ends() -> None:
    async def scenario() -> bytes:
        protocol, transport = connect(HeadLimits(timeout=1.0))
        await asyncio.sleep(0.7)  # most of the first head's second, idle
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        await asyncio.sleep(0.6)  # past the connection's first second, idle again
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        await asyncio.sleep(0.05)
        protocol.connection_lost(None)
        return bytes(transport.written)

    assert asyncio.run(scenario()).count(b"HTTP/1.1 200 ") == 2


def test_the_protocol_factory_carries_the_app_limits_across_processes() -> None:
    config = Config.from_arguments({"max_request_head_size": 1234}, environ={})
    factory = pickle.loads(pickle.dumps(http_protocol(config)))  # as --workers does
    assert factory.keywords["limits"] == HeadLimits(max_size=1234)


def test_an_app_that_is_not_legato_gets_the_defaults_with_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEGATO_REQUEST_HEAD_TIMEOUT", "5")
    factory: Any = http_protocol(object())
    assert factory.keywords["limits"] == HeadLimits(timeout=5.0)

"""Oversized and slow requests on a real `legato run`: refused, cut, and memory stays flat.

The server runs with small limits (LEGATO_* variables) so that each test takes seconds:
a 16 KiB head, 1 s for a head or a body plus 1 s per 100 bytes received. Every test runs
on uvicorn and on granian, where a head's deadline is 1 s whatever it receives
(legato/server/granian.py, `http1_settings`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.servers import (
    SERVERS,
    legato_process,
    server_options,
    servers_but_granian,
)

pytestmark = pytest.mark.integration

LIMITS = {
    "LEGATO_MAX_REQUEST_HEAD_SIZE": "16384",
    "LEGATO_REQUEST_HEAD_TIMEOUT": "1",
    "LEGATO_REQUEST_HEAD_MIN_RATE": "100",
    "LEGATO_REQUEST_BODY_TIMEOUT": "1",
    "LEGATO_REQUEST_BODY_MIN_RATE": "100",
}
# What the server may take past its 1 s before the test calls it stuck: slack for a
# loaded machine, well under "never".
SLACK = 2.0


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[tuple[str, int], int]]:
    options = server_options(request.param)
    with legato_process("examples.showcase.app:app", *options, env=LIMITS) as (base, process):
        parts = urlsplit(base)
        yield (parts.hostname or "127.0.0.1", parts.port or 80), process.pid


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for PID {pid}")


def read_until_closed(sock: socket.socket, seconds: float) -> tuple[bytes, float | None]:
    """What the server sent, and when it closed (None: still open after `seconds`)."""
    started = time.monotonic()
    received = b""
    sock.settimeout(0.2)
    while time.monotonic() - started < seconds:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:  # reset: closed with our bytes unread
            return received, time.monotonic() - started
        if not data:
            return received, time.monotonic() - started
        received += data
    return received, None


def stream_header_line(address: tuple[str, int], megabytes: int, sent: list[int]) -> None:
    """Send one header line of `megabytes` MiB, or less if the server cuts the connection."""
    block = b"a" * 65536
    total = 0
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
        while total < megabytes * 2**20:
            sock.sendall(block)
            total += len(block)
    sent.append(total)


def test_an_endless_header_line_is_cut_and_the_server_does_not_grow(
    server: tuple[tuple[str, int], int],
) -> None:
    address, pid = server
    before = rss_mib(pid)
    peak = before
    sent: list[int] = []
    senders = [
        threading.Thread(target=stream_header_line, args=(address, 32, sent)) for _ in range(2)
    ]
    for sender in senders:
        sender.start()
    while any(sender.is_alive() for sender in senders):
        peak = max(peak, rss_mib(pid))
        time.sleep(0.02)
    for sender in senders:
        sender.join()
    # Cut long before its 32 MiB (what is sent beyond 16 KiB sits in socket buffers).
    assert max(sent) < 16 * 2**20, f"sent {sent} bytes: the server never cut the line"
    assert peak - before < 16, f"RSS grew from {before:.0f} to {peak:.0f} MiB"


def test_a_head_over_the_limit_is_answered_431(server: tuple[tuple[str, int], int]) -> None:
    address, _ = server
    head = b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n" % (b"a" * 20_000)
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(head)
        answer, closed_after = read_until_closed(sock, SLACK)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert closed_after is not None


@pytest.mark.parametrize(("size", "status"), [(16384, b"200"), (16385, b"431")])
def test_the_head_limit_counts_every_byte_of_the_head(
    server: tuple[tuple[str, int], int], size: int, status: bytes
) -> None:
    start = b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
    head = start + b"a" * (size - len(start) - 4) + b"\r\n\r\n"
    with socket.create_connection(server[0], timeout=5) as sock:
        sock.sendall(head)
        answer, _ = read_until_closed(sock, SLACK)
    assert answer.startswith(b"HTTP/1.1 " + status)


def test_large_allowed_headers_and_pipelining_still_work(
    server: tuple[tuple[str, int], int],
) -> None:
    address, _ = server
    body = b'{"name": "Ada"}'
    requests = (
        b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n"
        % (b"a" * 15_000)
        + b"POST /seeds/greeting/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body)
        + b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(requests)
        answer, closed_after = read_until_closed(sock, 5.0)
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 3
    assert b"Hello, Ada!" in answer
    assert closed_after is not None  # after the third, as it asked


def trickle_a_head(address: tuple[str, int]) -> tuple[bytes, float | None]:
    """Send a head at 10 bytes a second; what the server answered, and when it cut (None:
    not within the 1 s limit and the slack)."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        cut = None
        while cut is None and time.monotonic() - started < 1 + SLACK:
            with contextlib.suppress(OSError):
                sock.sendall(b"a")  # extends uvicorn's deadline by 0.1 s a second
            answer, cut = read_until_closed(sock, 0.1)
    return answer, None if cut is None else time.monotonic() - started


def test_a_trickled_head_is_cut(server: tuple[tuple[str, int], int]) -> None:
    _, cut = trickle_a_head(server[0])
    assert cut is not None, "the server still held a head that trickled for 3 s"


@pytest.mark.parametrize(
    "server",
    servers_but_granian("a head not complete in time is cut without a 408 answer"),
    indirect=True,
)
def test_a_trickled_head_is_answered_408_and_closed(server: tuple[tuple[str, int], int]) -> None:
    answer, cut = trickle_a_head(server[0])
    assert cut is not None, "the server still held a head that trickled for 3 s"
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")


@pytest.mark.parametrize(
    "server",
    servers_but_granian("a head's deadline starts at its first byte: a silent connection stays"),
    indirect=True,
)
def test_a_connection_that_sends_nothing_is_closed(server: tuple[tuple[str, int], int]) -> None:
    address, _ = server
    with socket.create_connection(address, timeout=5) as sock:
        answer, closed_after = read_until_closed(sock, 1 + SLACK)
    assert closed_after is not None, "an idle connection was still open after 3 s"
    assert answer == b""


def test_an_idle_keep_alive_connection_is_closed_when_the_next_head_is_late(
    server: tuple[tuple[str, int], int],
) -> None:
    with socket.create_connection(server[0], timeout=5) as sock:
        sock.sendall(b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while b"Hello" not in answer:
            answer += sock.recv(65536)
        more, closed_after = read_until_closed(sock, 1 + SLACK)
    assert closed_after is not None, "an idle keep-alive connection was open after 3 s"
    assert more == b""


def test_a_trickled_body_is_answered_408_and_closed(server: tuple[tuple[str, int], int]) -> None:
    address, _ = server
    head = (
        b"POST /seeds/greeting/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(head + b'{"name": "')
        started = time.monotonic()
        answer = b""
        cut = None
        while cut is None and time.monotonic() - started < 1 + SLACK:
            with contextlib.suppress(OSError):
                sock.sendall(b"a")
            received, cut = read_until_closed(sock, 0.1)
            answer += received
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"connection: close\r\n" in answer.lower()
    assert cut is not None, "the connection stayed open after the 408"


@pytest.mark.parametrize("server_name", SERVERS)
def test_every_worker_refuses_an_oversized_head(server_name: str) -> None:
    # --workers starts new processes from the server's pickled config: the limit must travel.
    options = ("--workers", "2", *server_options(server_name))
    with legato_process("examples.showcase.app:app", *options, env=LIMITS) as (base, _):
        parts = urlsplit(base)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\n\r\n" % (b"a" * 20_000)
        for _ in range(4):
            with socket.create_connection(address, timeout=5) as sock:
                sock.sendall(head)
                answer, _ = read_until_closed(sock, SLACK)
            assert answer.startswith(b"HTTP/1.1 431 ")

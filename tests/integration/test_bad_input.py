"""Bad input on a real uvicorn: a precise 4xx, never a 500, and the server keeps serving."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.integration.servers import SERVERS, legato_server, server_options

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=SERVERS)
def address(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    with legato_server("examples.showcase.app:app", *server_options(request.param)) as url:
        parts = urlsplit(url)
        yield parts.hostname or "127.0.0.1", parts.port or 80


def exchange(address: tuple[str, int], raw: bytes, *, close_after_send: bool = False) -> bytes:
    """Send raw bytes, return the raw answer (up to 64 KiB or 5 s)."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(raw)
        if close_after_send:
            return b""
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def exchange_while_sending(address: tuple[str, int], raw: bytes) -> bytes:
    """Send a large request from a thread and read the answer meanwhile, as a server may
    answer (and close) before the body is all sent."""
    with socket.create_connection(address, timeout=30) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):  # the server answered early and closed
                sock.sendall(raw)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks: list[bytes] = []
        while not (chunks and _complete(b"".join(chunks))):
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        with contextlib.suppress(OSError):  # unblock the sender, if the server has not
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=30)
    return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return True


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_bad_percent_encoding_and_non_utf8_query_are_not_errors(address: tuple[str, int]) -> None:
    answer = exchange(address, request("GET", "/seeds/hello/?q=%ff%fe&bad=%zz&x=%", {}))
    assert status_of(answer) == 200


def test_non_utf8_path_is_a_404(address: tuple[str, int]) -> None:
    assert status_of(exchange(address, request("GET", "/seeds/%ff%fe/", {}))) == 404


def test_malformed_json_is_a_400_saying_so(address: tuple[str, int]) -> None:
    body = b'{"name": '
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    answer = exchange(address, request("POST", "/seeds/greeting/", headers, body))
    assert status_of(answer) == 400
    assert b"Malformed JSON" in answer


def test_declared_oversized_body_is_refused_with_413_unread(address: tuple[str, int]) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)}
    answer = exchange(address, request("POST", "/seeds/greeting/", headers, b"{"))
    assert status_of(answer) == 413


def test_broken_multipart_is_a_400(address: tuple[str, int]) -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end'
    headers = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "Content-Length": str(len(body)),
    }
    answer = exchange(address, request("POST", "/seeds/greeting/", headers, body))
    assert status_of(answer) == 400


def test_multipart_without_boundary_is_a_400(address: tuple[str, int]) -> None:
    headers = {"Content-Type": "multipart/form-data", "Content-Length": "3"}
    answer = exchange(address, request("POST", "/seeds/greeting/", headers, b"abc"))
    assert status_of(answer) == 400


def test_disallowed_host_is_a_400(address: tuple[str, int]) -> None:
    raw = b"GET /seeds/hello/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    assert status_of(exchange(address, raw)) == 400


def test_client_leaving_mid_body_does_not_hurt_the_server(address: tuple[str, int]) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "1000"}
    for _ in range(20):
        exchange(
            address, request("POST", "/seeds/greeting/", headers, b'{"na'), close_after_send=True
        )
    assert status_of(exchange(address, request("GET", "/seeds/hello/", {}))) == 200


@pytest.mark.parametrize(
    ("part", "limit"),
    [
        (b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\r\n", b"data_upload_max_number_fields"),
        (
            b'--xyz\r\nContent-Disposition: form-data; name="f"; filename=""\r\n\r\n\r\n',
            b"data_upload_max_number_files",
        ),
    ],
)
def test_a_million_skipped_multipart_parts_are_refused_at_the_count_limit(
    address: tuple[str, int], part: bytes, limit: bytes
) -> None:
    # Parts Legato does not keep used to count against nothing: 40-60 MiB of them held the
    # event loop for 5-9 s. Counted, the body is refused after the limit's worth of parts.
    body = part * 1_000_000 + b"--xyz--\r\n"
    headers = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "Content-Length": str(len(body)),
    }
    started = time.monotonic()
    answer = exchange_while_sending(address, request("POST", "/seeds/greeting/", headers, body))
    elapsed = time.monotonic() - started
    assert status_of(answer) == 400
    assert limit in answer
    assert elapsed < 2.0, f"the refusal took {elapsed:.2f} s"
    assert status_of(exchange(address, request("GET", "/seeds/hello/", {}))) == 200

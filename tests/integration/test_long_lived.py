"""Long-lived requests on a real uvicorn: streaming, disconnects, shut-down, after-response."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.servers import (
    ROOT,
    SERVERS,
    free_port,
    legato_command,
    legato_process,
    legato_server,
    output_of,
    server_options,
)

pytestmark = pytest.mark.integration

APP = "tests.integration.apps.longlived:app"


@pytest.fixture(scope="module", params=SERVERS)
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with legato_server(APP, *server_options(request.param)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        http.get("/reset/")
        yield http


def counts(client: httpx.Client) -> dict[str, int]:
    return client.get("/counts/").json()  # type: ignore[no-any-return]


def wait_for(predicate, deadline: float = 5.0) -> float:  # type: ignore[no-untyped-def]
    """Poll until predicate() is true; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {deadline} s")


def open_request(base_url: str, target: str) -> socket.socket:
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


@pytest.mark.parametrize("route", ["/stream/", "/stream-sync/"])
def test_first_chunk_arrives_before_the_second_is_produced(
    base_url: str, client: httpx.Client, route: str
) -> None:
    with client.stream("GET", route) as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"first\n"  # the generator is now blocked on the release
        client.get("/release/")
        assert b"".join(chunks) == b"second\n"


def test_disconnect_cancels_a_sleeping_view_within_a_second(
    base_url: str, client: httpx.Client
) -> None:
    sock = open_request(base_url, "/sleep/30/")
    wait_for(lambda: counts(client).get("started") == 1)
    sock.close()
    took = wait_for(lambda: counts(client).get("cancelled") == 1, deadline=1.0)
    assert counts(client)["finally"] == 1
    assert took < 1.0


def test_disconnect_closes_an_endless_event_stream(base_url: str, client: httpx.Client) -> None:
    with client.stream("GET", "/clock/") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(line for line in lines if line.startswith("data:"))
    wait_for(lambda: counts(client).get("clock closed") == 1, deadline=1.0)


def test_after_response_work_runs_after_the_answer_and_failures_are_only_logged(
    client: httpx.Client,
) -> None:
    started = time.monotonic()
    assert client.get("/later/").text == "answered first"
    assert time.monotonic() - started < 0.1 + 0.09  # the 0.1 s work did not delay it
    wait_for(lambda: counts(client).get("after response") == 1)


async def _aborted_and_normal_requests(base_url: str, total: int, abort_every: int) -> int:
    parts = urlsplit(base_url)
    aborted = 0
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=base_url, timeout=10, limits=limits) as http:

        async def abort() -> None:
            _, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(b"GET /sleep/5/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)  # mid-flight: the view is sleeping now
            writer.close()
            await writer.wait_closed()

        for batch_start in range(0, total, 50):
            work = []
            for index in range(batch_start, min(batch_start + 50, total)):
                if index % abort_every == 0:
                    work.append(abort())
                    aborted += 1
                else:
                    work.append(http.get("/fast/"))
            await asyncio.gather(*work)
    return aborted


def test_tasks_return_to_baseline_after_a_thousand_requests_with_aborts(
    base_url: str, client: httpx.Client
) -> None:
    baseline = counts(client)["tasks"]
    aborted = asyncio.run(_aborted_and_normal_requests(base_url, total=1000, abort_every=5))
    assert aborted == 200
    wait_for(lambda: counts(client).get("cancelled") == 200, deadline=5.0)
    wait_for(lambda: counts(client)["tasks"] <= baseline, deadline=5.0)


@pytest.mark.parametrize("server", SERVERS)
def test_shutdown_lets_in_flight_requests_finish_and_refuses_new_ones(server: str) -> None:
    with legato_process(APP, *server_options(server)) as (base_url, process):
        with httpx.Client(base_url=base_url, timeout=10) as http:

            async def slow_then_signal() -> httpx.Response:
                async with httpx.AsyncClient(base_url=base_url, timeout=10) as ahttp:
                    pending = asyncio.create_task(ahttp.get("/sleep/1/"))
                    await asyncio.sleep(0.3)
                    process.send_signal(signal.SIGTERM)
                    await asyncio.sleep(0.2)
                    with pytest.raises(httpx.ConnectError):
                        await ahttp.get("/fast/", headers={"Connection": "close"})
                    return await pending

            assert http.get("/fast/").status_code == 200
        response = asyncio.run(slow_then_signal())
        assert response.text == "slept 1"
        # uvicorn re-raises the signal once its clean shut-down is complete.
        assert process.wait(timeout=10) in (0, -signal.SIGTERM)


@pytest.mark.parametrize("server", SERVERS)
def test_shutdown_grace_cancels_what_outlives_it(server: str) -> None:
    env = {"LEGATO_SHUTDOWN_GRACE": "0.5"}
    with legato_process(APP, *server_options(server), env=env) as (base_url, process):  # noqa: SIM117
        with contextlib.closing(open_request(base_url, "/sleep/30/")):
            with httpx.Client(base_url=base_url, timeout=5) as http:
                wait_for(lambda: counts(http).get("started") == 1)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
            assert time.monotonic() - started < 3.0


def read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (or `deadline` passes)."""
    sock.settimeout(deadline)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize("server", SERVERS)
def test_view_outliving_the_grace_gets_503_and_one_log_line(server: str) -> None:
    env = {"LEGATO_SHUTDOWN_GRACE": "1"}
    with legato_process(APP, *server_options(server), env=env) as (base_url, process):  # noqa: SIM117
        with contextlib.closing(open_request(base_url, "/sleep/30/")) as sock:
            with httpx.Client(base_url=base_url, timeout=5) as http:
                wait_for(lambda: counts(http).get("started") == 1)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            answer = read_until_closed(sock, deadline=5)
            process.wait(timeout=10)
            took = time.monotonic() - started
            log = output_of(process)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"\r\nretry-after: 1" in head.lower()
    assert b"\r\nconnection: close" in head.lower()
    assert body.startswith(b"The server is shutting down")
    assert took < 1 + 2  # the grace, then the cut answers at once
    assert log.count("Shut-down cut GET /sleep/30/") == 1
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log


@pytest.mark.parametrize("server", SERVERS)
def test_event_streams_end_with_their_final_event_when_shutdown_begins(server: str) -> None:
    # The default grace (10 s): the streams must not wait for it, nor the process.
    with legato_process(APP, *server_options(server)) as (base_url, process):  # noqa: SIM117
        with contextlib.ExitStack() as open_streams:
            streams = [
                open_streams.enter_context(contextlib.closing(open_request(base_url, target)))
                for target in ("/clock/", "/events/")
            ]
            with httpx.Client(base_url=base_url, timeout=5) as http:
                wait_for(
                    lambda: counts(http).get("clock open") == counts(http).get("events open") == 1
                )
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            received = [read_until_closed(sock, deadline=5) for sock in streams]
            ended = time.monotonic() - started
            process.wait(timeout=10)
            exited = time.monotonic() - started
    for body in received:
        # The last event says "reconnect in a second", then the chunked body ends.
        assert body.endswith(b"retry: 1000\n\n\r\n0\r\n\r\n")
    assert ended < 1.0
    assert exited < 2.0


@pytest.mark.parametrize("server", SERVERS)
def test_workers_end_event_streams_when_shutdown_begins(server: str) -> None:
    with legato_process(APP, "--workers", "2", *server_options(server)) as (base_url, process):  # noqa: SIM117
        with contextlib.closing(open_request(base_url, "/clock/")) as sock:
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)  # the supervisor passes it on to its workers
            body = read_until_closed(sock, deadline=5)
            ended = time.monotonic() - started
            process.wait(timeout=15)
    assert body.endswith(b"retry: 1000\n\n\r\n0\r\n\r\n")
    assert ended < 2.0


@pytest.mark.parametrize("server", SERVERS)
def test_failing_startup_exits_naming_the_hook(server: str) -> None:
    command = legato_command(
        "tests.integration.apps.failing_startup:app", free_port(), *server_options(server)
    )
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "connect_to_the_database" in output
    assert "refused the connection" in output


def test_output_helper_reads_the_server_log() -> None:
    with legato_process(APP, "--log-level", "info") as (base_url, process):
        httpx.get(base_url + "/fast/")
        assert "Application startup complete" in output_of(process)

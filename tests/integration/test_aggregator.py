"""The aggregator on real servers: `legato run` processes for it and for each upstream.

Three upstream processes (tests.integration.apps.aggregator_upstream) answer with the
latency and failures each request asks for and count, per "<name>:<city>", the calls
they start, finish, and see cancelled. The aggregator runs as `legato run
examples.aggregator.app:app`, configured through AGGREGATOR_* environment variables. Every
test asks for a city of its own, so the servers are shared by the module. The aggregator
runs on uvicorn, then on granian; the upstreams, test doubles, on uvicorn.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.servers import (
    SERVERS,
    free_port,
    legato_command,
    legato_server,
    running,
    server_options,
)

pytestmark = pytest.mark.integration

NAMES = ("weather", "news", "traffic")
UPSTREAM_APP = "tests.integration.apps.aggregator_upstream:app"
AGGREGATOR_APP = "examples.aggregator.app:app"


@pytest.fixture(scope="module")
def upstreams() -> Iterator[dict[str, str]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(legato_server(UPSTREAM_APP)) for name in NAMES}


def upstream_setting(upstreams: dict[str, str], query: str = "") -> str:
    return " ".join(f"{name}={base}/{name}/{query}" for name, base in upstreams.items())


@pytest.fixture(scope="module", params=SERVERS)
def aggregator_server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def aggregator(upstreams: dict[str, str], aggregator_server: str) -> Iterator[str]:
    """Three upstreams of 0.3 s each, a 1 s deadline."""
    env = {
        "AGGREGATOR_UPSTREAMS": upstream_setting(upstreams, "?delay=0.3"),
        "AGGREGATOR_TIMEOUT": "1",
    }
    with legato_server(AGGREGATOR_APP, *server_options(aggregator_server), env=env) as base:
        yield base


@pytest.fixture(scope="module")
def aggregator_with_dead_upstream(
    upstreams: dict[str, str], aggregator_server: str
) -> Iterator[str]:
    """The three upstreams (latency on request), one closed port, a 5 s deadline."""
    dead = f"dead=http://127.0.0.1:{free_port()}/"
    env = {
        "AGGREGATOR_UPSTREAMS": f"{upstream_setting(upstreams)} {dead}",
        "AGGREGATOR_TIMEOUT": "5",
    }
    with legato_server(AGGREGATOR_APP, *server_options(aggregator_server), env=env) as base:
        yield base


@pytest.fixture(scope="module")
def self_served(aggregator_server: str) -> Iterator[str]:
    """The aggregator with its demo upstreams, which it serves itself, on its own port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options = server_options(aggregator_server)
    command = legato_command(AGGREGATOR_APP, port, "--log-level", "warning", *options)
    with running(command, base + "/", env={"AGGREGATOR_BASE_URL": base + "/"}):
        yield base


def city() -> str:
    return f"city-{uuid.uuid4().hex[:12]}"


def calls(upstreams: dict[str, str], kind: str, town: str) -> dict[str, int]:
    """How many calls for `town` each upstream has seen `kind` ("started", ...)."""
    counts = {}
    for name, base in upstreams.items():
        seen = httpx.get(f"{base}/calls/", timeout=5).json()[kind]
        counts[name] = seen.get(f"{name}:{town}", 0)
    return counts


def wait_for(condition: Callable[[], bool], deadline: float = 5.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < deadline, f"condition not met within {deadline} s"
        time.sleep(0.02)
    return time.monotonic() - started


def open_request(base: str, target: str) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


@contextmanager
def silent_listener() -> Iterator[tuple[int, list[socket.socket]]]:
    """A local port that accepts connections and never answers: (port, accepted so far)."""
    accepted: list[socket.socket] = []
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for connection in accepted:
            connection.close()


def what_it_says(response: httpx.Response) -> tuple[Any, ...]:
    """An answer without its timing, city and cache sources: what a port scan would read."""
    body = response.json()
    return response.status_code, body["complete"], sorted(body["data"]), body["missing"]


def test_host_header_does_not_choose_where_upstream_calls_go(self_served: str) -> None:
    with silent_listener() as (open_port, accepted):
        closed_port = free_port()
        answers = {
            port: httpx.get(
                f"{self_served}/dashboard/",
                params={"city": city()},
                headers={"Host": f"127.0.0.1:{port}"},
                timeout=10,
            )
            for port in (open_port, closed_port)
        }
    assert accepted == [], "a client's Host header made the aggregator connect to its port"
    assert what_it_says(answers[open_port]) == what_it_says(answers[closed_port])
    assert what_it_says(answers[open_port]) == (200, True, sorted(NAMES), {})


def test_three_upstreams_of_300_ms_answer_in_about_300_ms(
    aggregator: str, upstreams: dict[str, str]
) -> None:
    httpx.get(f"{aggregator}/dashboard/", params={"city": city()}, timeout=5)  # warm the pool
    town = city()
    started = time.monotonic()
    response = httpx.get(f"{aggregator}/dashboard/", params={"city": town}, timeout=5)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["complete"] is True
    assert 0.3 <= elapsed < 0.6, f"took {elapsed:.3f} s; 0.9 s would mean one after another"
    assert calls(upstreams, "finished", town) == dict.fromkeys(NAMES, 1)


def test_dead_upstream_yields_a_partial_answer_not_a_500(
    aggregator_with_dead_upstream: str,
) -> None:
    response = httpx.get(
        f"{aggregator_with_dead_upstream}/dashboard/", params={"city": city()}, timeout=10
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body["data"]) == set(NAMES)
    assert body["missing"]["dead"]["reason"] == "connection_refused"
    assert body["complete"] is False


def test_hanging_upstream_is_cut_at_its_timeout(aggregator: str, upstreams: dict[str, str]) -> None:
    town = city()
    started = time.monotonic()
    response = httpx.get(
        f"{aggregator}/dashboard/", params={"city": town, "weather_fail": "hang"}, timeout=10
    )
    elapsed = time.monotonic() - started
    body = response.json()
    assert body["missing"] == {"weather": {"reason": "timeout", "detail": "No answer within 1 s."}}
    assert set(body["data"]) == {"news", "traffic"}
    assert 1.0 <= elapsed < 1.5
    # The aggregator hung up on the hanging upstream, which cancelled its view.
    wait_for(lambda: calls(upstreams, "cancelled", town)["weather"] == 1)


async def _burst(base: str, town: str, size: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        return await asyncio.gather(
            *(client.get("/dashboard/", params={"city": town}) for _ in range(size))
        )


def test_burst_of_20_identical_requests_makes_one_call_per_upstream(
    aggregator: str, upstreams: dict[str, str]
) -> None:
    town = city()
    responses = asyncio.run(_burst(aggregator, town, 20))
    assert [response.status_code for response in responses] == [200] * 20
    assert all(response.json()["complete"] for response in responses)
    assert calls(upstreams, "started", town) == dict.fromkeys(NAMES, 1)


def test_client_disconnect_cancels_the_upstream_calls(
    aggregator_with_dead_upstream: str, upstreams: dict[str, str]
) -> None:
    town = city()
    sock = open_request(aggregator_with_dead_upstream, f"/dashboard/?city={town}&fail=hang")
    wait_for(lambda: calls(upstreams, "started", town) == dict.fromkeys(NAMES, 1))
    sock.close()
    took = wait_for(lambda: calls(upstreams, "cancelled", town) == dict.fromkeys(NAMES, 1))
    assert took < 1.0  # long before the 5 s deadline would have cut them


def test_one_client_leaving_does_not_cancel_the_calls_it_shares(
    aggregator_with_dead_upstream: str, upstreams: dict[str, str]
) -> None:
    town = city()
    target = f"/dashboard/?city={town}&delay=1"
    leaving = open_request(aggregator_with_dead_upstream, target)
    staying = open_request(aggregator_with_dead_upstream, target)
    wait_for(lambda: calls(upstreams, "started", town) == dict.fromkeys(NAMES, 1))
    leaving.close()
    with staying, staying.makefile("rb") as answer:
        assert answer.readline().startswith(b"HTTP/1.1 200")
    assert calls(upstreams, "finished", town) == dict.fromkeys(NAMES, 1)
    assert calls(upstreams, "cancelled", town) == dict.fromkeys(NAMES, 0)


@pytest.mark.parametrize("server", SERVERS)
def test_showcase_calls_its_simulated_upstreams_over_http(server: str) -> None:
    # `make demo` serves on port 8000; on another port, the base URL says where.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options = server_options(server)
    command = legato_command("examples.showcase.app:app", port, "--log-level", "warning", *options)
    with running(command, base + "/", env={"AGGREGATOR_BASE_URL": f"{base}/aggregator/"}):
        assert 'href="/aggregator/"' in httpx.get(f"{base}/", timeout=5).text
        httpx.get(f"{base}/aggregator/dashboard/", params={"city": city()}, timeout=5)
        started = time.monotonic()
        response = httpx.get(f"{base}/aggregator/dashboard/", params={"city": city()}, timeout=5)
        elapsed = time.monotonic() - started
    body = response.json()
    assert body["complete"] is True, body
    assert set(body["data"]) == set(NAMES)
    assert elapsed < 0.6

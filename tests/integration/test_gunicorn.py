"""The seed examples under a real gunicorn, sync and gthread workers, through `as_wsgi()`.

Each server loads a small entry module written to a temporary directory, the way a
project's `wsgi.py` would look: the showcase app (which mounts the seeds) plus a few
long-lived views, and `application = app.as_wsgi()`.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import free_port, running

pytestmark = pytest.mark.integration

ENTRY_MODULE = '''
"""Written by tests/integration/test_gunicorn.py: the seeds as a WSGI application."""

import asyncio
import os
import time
from collections import Counter

from examples.showcase.app import urlpatterns
from legato import App
from legato.http import EventStreamResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from legato.urls import path

counters = Counter()


def log(line):
    with open(os.environ["LEGATO_TEST_LIFESPAN_LOG"], "a") as file:
        file.write(line + "\\n")


async def startup():
    log(f"startup {os.getpid()}")


async def shutdown():
    log(f"shutdown {os.getpid()}")


async def sleep_one(request):
    await asyncio.sleep(1)
    return HttpResponse(f"slept in {os.getpid()}")


async def async_ticks(request):
    async def ticks():
        counters["started"] += 1
        try:
            for index in range(int(request.GET.get("n", "3"))):
                if index:
                    await asyncio.sleep(0.4)
                yield f"tick {index}\\n"
        finally:
            counters["finally"] += 1

    return StreamingHttpResponse(ticks(), content_type="text/plain")


def sync_ticks(request):
    def ticks():
        for index in range(3):
            if index:
                time.sleep(0.4)
            yield f"tick {index}\\n"

    return StreamingHttpResponse(ticks(), content_type="text/plain")


async def events(request):
    async def source():
        for index in range(3):
            if index:
                await asyncio.sleep(0.4)
            yield {"n": index}

    return EventStreamResponse(source(), heartbeat=None)


async def counts(request):
    return JsonResponse(dict(counters))


def pid(get_response):
    def middleware(request):
        response = get_response(request)
        response["X-Worker"] = str(os.getpid())
        return response

    return middleware


app = App(
    [
        *urlpatterns,
        path("sleep-one/", sleep_one),
        path("ticks/async/", async_ticks),
        path("ticks/sync/", sync_ticks),
        path("events/", events),
        path("counts/", counts),
    ],
    middleware=[pid],
    on_startup=[startup],
    on_shutdown=[shutdown],
)
application = app.as_wsgi()
'''


@pytest.fixture(scope="module")
def entry_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("gunicorn_entry")
    (directory / "legato_gunicorn_entry.py").write_text(ENTRY_MODULE)
    return directory


def gunicorn_command(entry_dir: Path, port: int, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(entry_dir),
        "--log-level",
        "warning",
        *options,
        "legato_gunicorn_entry:application",
    ]


class Gunicorn:
    def __init__(self, base_url: str, lifespan_log: Path) -> None:
        self.base_url = base_url
        self.lifespan_log = lifespan_log

    def lifespan_lines(self) -> list[str]:
        return self.lifespan_log.read_text().splitlines() if self.lifespan_log.exists() else []


def start(entry_dir: Path, tmp: Path, *options: str) -> Iterator[Gunicorn]:
    port = free_port()
    log = tmp / "lifespan.log"
    base = f"http://127.0.0.1:{port}"
    env = {"LEGATO_TEST_LIFESPAN_LOG": str(log)}
    with running(gunicorn_command(entry_dir, port, *options), base + "/", env=env):
        yield Gunicorn(base, log)


WORKERS = {
    "sync": ("--worker-class", "sync", "--workers", "1"),
    "gthread": ("--worker-class", "gthread", "--workers", "1", "--threads", "10"),
}


@pytest.fixture(scope="module", params=sorted(WORKERS))
def server(
    request: pytest.FixtureRequest, entry_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    yield from start(entry_dir, tmp_path_factory.mktemp(request.param), *WORKERS[request.param])


@pytest.fixture(scope="module")
def gthread(entry_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    yield from start(entry_dir, tmp_path_factory.mktemp("gthread_only"), *WORKERS["gthread"])


def test_seed_examples_answer(server: Gunicorn) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        assert client.get("/seeds/hello/").text == "Hello, async!"
        assert client.get("/seeds/mi-vista/").json() == {"mensaje": "Hola, mundo asíncrono!"}
        assert client.get("/seeds/fetch-data/").json() == {"data": {"temperature": 21, "unit": "C"}}
        assert client.get("/seeds/greeting/").json() == {"greeting": "Hello", "method": "GET"}
        greeted = client.post("/seeds/greeting/", json={"name": "Ada"})
        assert greeted.json() == {"greeting": "Hello, Ada!", "method": "POST"}
        index = client.get("/")
        assert index.status_code == 200
        assert "Legato showcase" in index.text
        assert client.get("/seeds/hello").status_code == 301
        assert client.get("/missing/").status_code == 404


def test_body_over_the_limit_is_refused_with_413(server: Gunicorn) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        response = client.post("/seeds/greeting/", content=b"x" * 3_000_000)
    assert response.status_code == 413


def test_ten_async_sleeps_overlap_on_one_gthread_worker(gthread: Gunicorn) -> None:
    async def burst() -> tuple[float, list[httpx.Response]]:
        limits = httpx.Limits(max_connections=10)
        async with httpx.AsyncClient(base_url=gthread.base_url, timeout=10, limits=limits) as c:
            started = time.monotonic()
            responses = await asyncio.gather(*(c.get("/sleep-one/") for _ in range(10)))
            return time.monotonic() - started, responses

    elapsed, responses = asyncio.run(burst())
    assert [response.status_code for response in responses] == [200] * 10
    assert len({response.headers["X-Worker"] for response in responses}) == 1
    assert elapsed < 2.5, f"10 concurrent 1 s async sleeps took {elapsed:.2f} s"


@pytest.mark.parametrize("route", ["/ticks/async/", "/ticks/sync/", "/events/"])
def test_streams_arrive_chunk_by_chunk(server: Gunicorn, route: str) -> None:
    arrivals: list[tuple[float, bytes]] = []
    with (
        httpx.Client(base_url=server.base_url, timeout=10) as client,
        client.stream("GET", route) as response,
    ):
        started = time.monotonic()
        for chunk in response.iter_raw():
            arrivals.append((time.monotonic() - started, chunk))
    body = b"".join(chunk for _, chunk in arrivals)
    if route == "/events/":
        assert body == b"".join(b'data: {"n":%d}\n\n' % index for index in range(3))
    else:
        assert body == b"tick 0\ntick 1\ntick 2\n"
    # The stream takes 0.8 s; its first chunk must not wait for the rest.
    first_at, last_at = arrivals[0][0], arrivals[-1][0]
    assert last_at - first_at > 0.6, f"chunks at {[round(at, 2) for at, _ in arrivals]} s"


def test_client_leaving_a_stream_cancels_it(gthread: Gunicorn) -> None:
    with httpx.Client(base_url=gthread.base_url, timeout=10) as client:
        before = client.get("/counts/").json()
        with client.stream("GET", "/ticks/async/?n=1000") as response:
            next(response.iter_raw())
        # The worker notices when its next write fails, then cancels the stream.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            counts = client.get("/counts/").json()
            if counts.get("finally", 0) > before.get("finally", 0):
                break
            time.sleep(0.1)
        assert counts["started"] == before.get("started", 0) + 1
        assert counts["finally"] == before.get("finally", 0) + 1


def test_websocket_upgrade_is_refused_at_once(server: Gunicorn) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"GET /seeds/hello/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"need an ASGI server" in answer


def read_answer(sock: socket.socket) -> bytes:
    """One HTTP/1.1 response with a Content-Length, however the server split its writes."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_lifespan_runs_once_per_worker_and_shuts_down_at_exit(
    entry_dir: Path, tmp_path: Path
) -> None:
    seen: set[str] = set()
    for server in start(entry_dir, tmp_path, "--workers", "2"):
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            for _ in range(20):
                seen.add(client.get("/seeds/hello/").headers["X-Worker"])
        during = server.lifespan_lines()
        # Started before its first answer, once; nothing shut down while serving.
        for pid in seen:
            assert during.count(f"startup {pid}") == 1
        assert not [line for line in during if line.startswith("shutdown")]
    after = server.lifespan_lines()
    for pid in seen:
        assert after.count(f"shutdown {pid}") == 1

"""Static files on a real `legato run` (uvicorn): headers, traversal, a 100 MB download.

The memory test starts 50 clients downloading one 100 MB file at once and samples the
server's VmRSS from /proc while they read; docs/static-files.md quotes the figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from legato.static import collectstatic
from tests.integration.servers import SERVERS, gunicorn_process, legato_process, server_options

pytestmark = pytest.mark.integration

TARGET = "tests.integration.apps.static_files:app"
CSS = b"body { color: #333; margin: 0 auto; }\n" * 40
BIG_SIZE = 100 * 1024 * 1024
CLIENTS = 50
# Growth allowed while 50 clients download 100 MB each: a whole copy of the file in
# memory would be 100 MB alone; blocks in flight are 256 KiB per client.
RSS_GROWTH_LIMIT = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The source and collected directories, as LEGATO_* variables for a server."""
    base = tmp_path_factory.mktemp("site")
    static = base / "static"
    static.mkdir()
    (static / "site.css").write_bytes(CSS)
    (base / "secret.txt").write_bytes(b"TOP-SECRET")
    os.symlink(base / "secret.txt", static / "out")
    block = os.urandom(1024 * 1024)
    with open(static / "big.bin", "wb") as big:
        for _ in range(BIG_SIZE // len(block)):
            big.write(block)
    root = base / "collected"
    collectstatic([str(static)], str(root))
    return {"LEGATO_STATIC_DIRS": str(static), "LEGATO_STATIC_ROOT": str(root)}


def manifest(files: dict[str, str]) -> dict[str, str]:
    text = (Path(files["LEGATO_STATIC_ROOT"]) / "staticfiles.json").read_text()
    paths: dict[str, str] = json.loads(text)["paths"]
    return paths


@pytest.fixture(scope="module", params=SERVERS)
def site(
    request: pytest.FixtureRequest, files: dict[str, str]
) -> Iterator[tuple[str, int, dict[str, str]]]:
    with legato_process(TARGET, *server_options(request.param), env=files) as (url, process):
        yield url, process.pid, manifest(files)


def test_gunicorn_serves_the_same_answers(files: dict[str, str]) -> None:
    paths = manifest(files)
    target = "tests.integration.apps.static_files:application"
    with gunicorn_process(target, "--worker-class", "gthread", env=files) as (url, _):
        css = httpx.get(f"{url}/static/{paths['site.css']}", headers={"Accept-Encoding": "gzip"})
        assert css.headers["content-encoding"] == "gzip"
        assert css.content == CSS
        part = httpx.get(
            f"{url}/static/site.css", headers={"Range": "bytes=-4", "Accept-Encoding": "identity"}
        )
        assert (part.status_code, part.content) == (206, CSS[-4:])
        with httpx.stream("GET", f"{url}/static/{paths['big.bin']}") as big:
            assert sum(len(chunk) for chunk in big.iter_raw()) == BIG_SIZE


def test_hashed_css_is_brotli_and_immutable(site: tuple[str, int, dict[str, str]]) -> None:
    url, _, paths = site
    response = httpx.get(f"{url}/static/{paths['site.css']}", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == CSS  # httpx decodes br with the brotli package
    again = httpx.get(
        f"{url}/static/{paths['site.css']}",
        headers={"Accept-Encoding": "br", "If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


def test_range_head_and_methods(site: tuple[str, int, dict[str, str]]) -> None:
    url = site[0] + "/static/site.css"
    plain = {"Accept-Encoding": "identity"}
    part = httpx.get(url, headers={**plain, "Range": "bytes=0-3"})
    assert (part.status_code, part.content) == (206, CSS[:4])
    beyond = httpx.get(url, headers={**plain, "Range": f"bytes={len(CSS)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(CSS)}"
    head = httpx.head(url, headers=plain)
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(CSS)))
    assert httpx.post(url).status_code == 405
    bad_date = httpx.get(url, headers={**plain, "If-Modified-Since": "not a date"})
    assert bad_date.status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static/site.css%00",
        "/static//etc/passwd",
        "/static/out",
    ],
)
def test_traversal_on_the_wire_gets_404(site: tuple[str, int, dict[str, str]], target: str) -> None:
    # A raw request line: httpx would normalise "..", as browsers do; attackers do not.
    parts = urlsplit(site[0])
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 404 ")
    assert b"TOP-SECRET" not in received


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


async def _download(host: str, port: int, name: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET /static/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    )
    received = 0
    while chunk := await reader.read(1024 * 1024):
        received += len(chunk)
    writer.close()
    return received


def test_fifty_clients_download_100_mb_with_bounded_memory(
    site: tuple[str, int, dict[str, str]],
) -> None:
    url, pid, paths = site
    parts = urlsplit(url)
    httpx.get(f"{url}/static/site.css")  # warm: the first request builds the app
    baseline = _rss(pid)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _rss(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:

        async def everyone() -> list[int]:
            downloads = (
                _download(parts.hostname or "", parts.port or 80, paths["big.bin"])
                for _ in range(CLIENTS)
            )
            return await asyncio.wait_for(asyncio.gather(*downloads), timeout=100)

        sizes = asyncio.run(everyone())
    finally:
        done.set()
        sampler.join()
    elapsed = time.monotonic() - started
    assert all(size > BIG_SIZE for size in sizes)  # headers + the whole body each
    growth = peak - baseline
    print(
        f"\n{CLIENTS} x 100 MB in {elapsed:.1f} s; server RSS {baseline / 2**20:.1f} MiB "
        f"before, peak {peak / 2**20:.1f} MiB (+{growth / 2**20:.1f} MiB)"
    )
    assert growth < RSS_GROWTH_LIMIT

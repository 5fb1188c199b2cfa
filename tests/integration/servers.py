"""Start real server processes on 127.0.0.1 with a free port, and stop them by PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: IO[bytes], deadline: float = 20.0
) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"server at {url} did not answer within {deadline} s")


@contextmanager
def running(
    command: Sequence[str],
    probe_url: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    # A file, not a pipe: a chatty server can never block on a full pipe buffer.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the process ends
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log  # type: ignore[attr-defined]  # read by output_of()
    try:
        wait_until_serving(probe_url, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def output_of(process: subprocess.Popen[bytes]) -> str:
    """What a process started by `running()` has printed so far."""
    log: IO[bytes] = process.log  # type: ignore[attr-defined]
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")


@contextmanager
def legato_server(target: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve `module:app` with `legato run` (uvicorn) and yield its base URL."""
    with legato_process(target, *extra, env=env) as (base, _):
        yield base


@contextmanager
def legato_process(
    target: str, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like `legato_server`, also yielding the process (to signal it or read its output)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "legato.cli",
        "run",
        target,
        "--port",
        str(port),
        "--log-level",
        "warning",
        *extra,
    ]
    with running(command, base + "/", env=env) as process:
        yield base, process


@contextmanager
def gunicorn_process(
    target: str, *options: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve the WSGI callable `module:attribute` with gunicorn; yield its URL and process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", *options, target]
    with running(command, base + "/", env=env) as process:
        yield base, process


# Where browser tests keep their screenshots (git-ignored), and the flags Debian's
# Chromium needs to run headless here.
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The servers `legato run --server` starts; the tests that hold for both run on both.
SERVERS = ("uvicorn", "granian")


def servers_but_granian(gap: str) -> list[object]:
    """SERVERS for a behaviour granian does not give yet: its case must fail (strict
    xfail), so the day it passes the mark has to go."""
    return [
        "uvicorn",
        pytest.param("granian", marks=pytest.mark.xfail(strict=True, reason=f"granian: {gap}")),
    ]


def server_options(server: str) -> tuple[str, ...]:
    """The `legato run` options that choose `server` (none for the default)."""
    if server == "granian":
        pytest.importorskip("granian", reason="granian is not installed (make installs it)")
        return ("--server", "granian")
    return ()


def legato_command(target: str, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "legato.cli", "run", target, "--port", str(port), *extra]


def require_binary(name: str, package: str) -> str:
    """Return the path of `name`; skip the test if it is missing (fail under CI, which
    sets LEGATO_REQUIRE_INTEGRATION=1 after installing every server the tests need)."""
    import shutil

    import pytest

    found = shutil.which(name) or (
        f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None
    )
    if found:
        return found
    message = f"{name} is not installed (Debian package: {package})"
    if os.environ.get("LEGATO_REQUIRE_INTEGRATION"):
        pytest.fail(message + "; CI must install it", pytrace=False)
    pytest.skip(message)

"""Time a server's shut-down with long-lived requests open: `python -m bench.shutdown_timing`.

It serves `tests.integration.apps.longlived:app` on 127.0.0.1, opens an idle event
stream (`/events/`, heartbeats only), a ticking one (`/clock/`) and, with `--slow`, a
request whose view sleeps 30 s (`/sleep/30/`), then sends SIGTERM and prints, for each
connection, when it ended after the signal and how (status, last bytes), when the
process exited, and how many tracebacks the server logged. `--server` picks how the
app is served: `legato` (`legato run`), `legato-granian` (`legato run --server
granian`), `uvicorn` (plain `uvicorn module:app`), `granian` (plain `granian --interface
asgi`, with the grace as its workers' kill timeout) or `gunicorn` (gunicorn with
uvicorn's worker class). The grace period is the app's
`shutdown_grace` (LEGATO_SHUTDOWN_GRACE), passed to the other servers as their own.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.servers import ROOT

__all__ = ["main"]

APP = "tests.integration.apps.longlived:app"


@dataclass
class Connection:
    """One open request, read on its own thread until the server closes it."""

    target: str
    sock: socket.socket
    received: bytearray = field(default_factory=bytearray)
    ended_at: float | None = None

    def read_until_closed(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.ended_at = time.monotonic()
                return
            self.received += data

    def status(self) -> str:
        line = bytes(self.received).split(b"\r\n", 1)[0].decode(errors="replace")
        return line.removeprefix("HTTP/1.1 ") or "(nothing)"

    def tail(self) -> str:
        return bytes(self.received[-60:]).decode(errors="replace").replace("\r\n", "\\r\\n")


def server_command(server: str, port: int, grace: float) -> list[str]:
    legato = [sys.executable, "-m", "legato.cli", "run", APP, "--port", str(port)]
    if server == "legato":
        return legato
    if server == "legato-granian":
        return [*legato, "--server", "granian"]
    if server == "granian":
        return [
            *(sys.executable, "-m", "granian", "--interface", "asgi", APP),
            *("--port", str(port), "--workers-kill-timeout", str(int(grace))),
        ]
    if server == "uvicorn":
        return [
            *(sys.executable, "-m", "uvicorn", APP, "--port", str(port)),
            *("--timeout-graceful-shutdown", str(int(grace))),
        ]
    return [
        *(sys.executable, "-m", "gunicorn", APP, "-k", "uvicorn.workers.UvicornWorker"),
        *("--bind", f"127.0.0.1:{port}", "--graceful-timeout", str(int(grace))),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            httpx.get(base + "/fast/", timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError("the server did not answer within 20 s")


def open_request(port: int, target: str) -> Connection:
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return Connection(target, sock)


def measure(server: str, grace: float, slow: bool) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LEGATO_SHUTDOWN_GRACE": str(grace), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            server_command(server, port, grace), cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            wait_until_serving(base, process)
            targets = ["/events/", "/clock/"] + (["/sleep/30/"] if slow else [])
            connections = [open_request(port, target) for target in targets]
            readers = [threading.Thread(target=c.read_until_closed) for c in connections]
            for reader in readers:
                reader.start()
            time.sleep(1.0)  # every view is running, the streams have sent something
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
            exited = time.monotonic() - signalled
            for reader in readers:
                reader.join(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
    print(f"{server}, shutdown_grace {grace:g} s: exited {exited:.2f} s after SIGTERM")
    for connection in connections:
        ended = "-" if connection.ended_at is None else f"{connection.ended_at - signalled:.2f} s"
        print(
            f"  {connection.target:12} {connection.status():28} ended {ended:>7}"
            f"  last bytes {connection.tail()!r}"
        )
    tracebacks = output.count("Traceback")
    asgi_errors = output.count("Exception in ASGI application")
    print(f"  server log: {tracebacks} tracebacks, {asgi_errors} 'Exception in ASGI application'")
    for line in output.splitlines():
        if "Shut-down" in line:
            print(f"    {line}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shutdown_timing")
    parser.add_argument(
        "--server",
        choices=["legato", "legato-granian", "uvicorn", "granian", "gunicorn"],
        default="legato",
    )
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument("--slow", action="store_true", help="also a view sleeping 30 s")
    arguments = parser.parse_args(argv)
    measure(arguments.server, arguments.grace, arguments.slow)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Start each benchmark app on its HTTP server, pinned to the server core; stop it by PID.

Every framework runs under the same command for its server (`server_command`): on
uvicorn one worker, httptools, uvloop, no access log; on granian (issue 18) its ASGI
interface, one worker with one runtime thread, HTTP/1, uvloop, no access log. Either way
the app is built by its factory. A server counts as started once GET /hello/ answers
200. Granian serves from a worker process it forks, so memory and threads are read from
that process (`Server.app_pid`), not from granian's supervisor. Servers write their
output to a temporary file, never a pipe, so a chatty server cannot block; the file is
shown when a server fails.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.variants import GRANIAN, UVICORN, Variant

__all__ = [
    "ROOT",
    "Server",
    "ServerError",
    "ServerPool",
    "fetch_json",
    "server_command",
    "server_pool",
]

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


class ServerError(RuntimeError):
    """A benchmark server did not start, or answered something unexpected."""


def server_command(variant: Variant, port: int, cpu: int | None) -> list[str]:
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    commands = {UVICORN: _uvicorn_arguments, GRANIAN: granian_arguments}
    if variant.server not in commands:
        raise ValueError(
            f"{variant.key} asks for server {variant.server!r}; choose one of {sorted(commands)}."
        )
    return [*pin, sys.executable, "-m", *commands[variant.server](variant.target, port)]


def _uvicorn_arguments(target: str, port: int) -> list[str]:
    return [
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--http",
        "httptools",
        "--loop",
        "uvloop",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def granian_arguments(target: str, port: int, interface: str = "asgi") -> list[str]:
    """`python -m` arguments serving the factory `target` on one granian worker."""
    # One runtime thread: the worker's Rust side shares the server core with Python, as
    # uvicorn's parser does; HTTP/1 only, as uvicorn serves (wrk speaks nothing else).
    return [
        "granian",
        "--interface",
        interface,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--runtime-threads",
        "1",
        "--http",
        "1",
        "--loop",
        "uvloop",
        "--no-access-log",
        "--log-level",
        "warning",
        target,
    ]


@dataclass
class Server:
    variant: Variant
    port: int
    command: list[str]
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def app_pid(self) -> int:
        """The process that runs the app: granian's one worker, else the server itself."""
        if self.variant.server != GRANIAN:
            return self.pid
        children = _children(self.pid)
        if len(children) != 1:
            raise ServerError(
                f"{self.variant.label} on granian has {len(children)} child processes "
                f"({children}), expected its one worker; check server_command's --workers."
            )
        return children[0]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        end_process(self.process, self.log)


def end_process(process: subprocess.Popen[bytes], log: IO[bytes], grace: float = 10) -> None:
    """Stop a server started here (SIGTERM, then SIGKILL after `grace` s); close its log."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    log.close()


@dataclass
class ServerPool:
    """Servers started on demand, one per variant, all stopped when the pool closes."""

    cpu: int | None
    sleep: float
    environment: Mapping[str, str] = field(default_factory=dict)  # e.g. BENCH_FEED_DB
    servers: dict[str, Server] = field(default_factory=dict)

    def get(self, variant: Variant) -> Server:
        if variant.key not in self.servers:
            self.servers[variant.key] = self._start(variant)
        return self.servers[variant.key]

    def retain(self, keys: set[str]) -> None:
        """Stop every server whose variant key is not in `keys`."""
        for key in [key for key in self.servers if key not in keys]:
            self.servers.pop(key).stop()

    def close(self) -> None:
        # Signal every server first, so their shutdowns overlap instead of queueing.
        for server in self.servers.values():
            if server.process.poll() is None:
                server.process.terminate()
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def _start(self, variant: Variant) -> Server:
        port = _free_port()
        command = server_command(variant, port, self.cpu)
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Server.stop
        process = subprocess.Popen(
            command, cwd=ROOT, env=self._environment(variant), stdout=log, stderr=subprocess.STDOUT
        )
        server = Server(variant, port, command, process, log)
        try:
            _wait_until_serving(server)
        except BaseException:
            server.stop()
            raise
        return server

    def _environment(self, variant: Variant) -> dict[str, str]:
        # LEGATO_* overrides from the caller's shell would change the app under test.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LEGATO_")}
        return {
            **inherited,
            "PYTHONUNBUFFERED": "1",
            "BENCH_ROUTES": str(variant.routes),
            "BENCH_ROUTE_SHAPE": variant.route_shape,
            "BENCH_SLEEP": repr(self.sleep),
            **self.environment,
        }


@contextmanager
def server_pool(
    cpu: int | None, sleep: float, environment: Mapping[str, str] | None = None
) -> Iterator[ServerPool]:
    pool = ServerPool(cpu, sleep, environment or {})
    try:
        yield pool
    finally:
        pool.close()


def fetch_json(server: Server, path: str, timeout: float = 30.0) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, body.decode(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    # The kernel lists a child under the thread that forked it, so read every thread's.
    tasks = Path(f"/proc/{pid}/task").glob("*/children")
    return sorted(int(child) for task in tasks for child in task.read_text().split())


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(
                f"{server.variant.label} exited with {server.process.returncode} while "
                f"starting; its output:\n{server.output()}"
            )
        try:
            status, _ = fetch_json(server, "/hello/", timeout=1.0)
        except OSError:
            time.sleep(0.05)
            continue
        if status == 200:
            return
        raise ServerError(f"{server.variant.label} answered GET /hello/ with {status}.")
    raise ServerError(
        f"{server.variant.label} did not answer within {START_TIMEOUT:g} s; its output:\n"
        f"{server.output()}"
    )

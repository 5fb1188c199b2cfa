"""Measure how `legato run` holds up against slow and oversized requests.

    python -m bench.limits flood       # 2 connections stream an endless header line
    python -m bench.limits slowloris   # slow heads and slow bodies from one client

`flood` samples the server's resident memory (VmRSS) while two connections each send
one header line that never ends, up to `--megabytes` each or until the server cuts them.
`slowloris` opens `--connections` connections that trickle a request head (one byte a
second) and as many that send a whole head and then trickle a body, and counts how many
the server still holds open after `--seconds`. Both start the server on 127.0.0.1 and
stop it by PID: `legato run` on the showcase app (one process), or with `--server
gunicorn` the WSGI benchmark app under gunicorn (one gthread worker, 8 threads, as in
docs/deployment.md). `LEGATO_*` settings in the environment reach the server.
docs/deployment.md quotes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Server:
    command: list[str]
    get_path: bytes
    post_path: bytes


LEGATO_RUN = [sys.executable, "-m", "legato.cli", "run", "examples.showcase.app:app"]
GUNICORN = [sys.executable, "-m", "gunicorn", "bench.wsgi.legato_app:application"]
SERVERS = {
    "legato": Server(
        [*LEGATO_RUN, "--log-level", "warning", "--port"],
        b"/seeds/hello/",
        b"/seeds/greeting/",
    ),
    "gunicorn": Server(
        [*GUNICORN, "--worker-class", "gthread", "--workers", "1", "--threads", "8", "--bind"],
        b"/hello/",
        b"/hello/",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.limits")
    parser.add_argument("scenario", choices=["flood", "slowloris"])
    parser.add_argument("--server", choices=sorted(SERVERS), default="legato")
    parser.add_argument("--megabytes", type=int, default=150, help="flood: MiB per connection")
    parser.add_argument("--connections", type=int, default=1000, help="slowloris: per kind")
    parser.add_argument("--seconds", type=float, default=40.0, help="slowloris: how long")
    arguments = parser.parse_args(argv)
    server = SERVERS[arguments.server]
    print(f"server: {arguments.server}")
    with serving(server) as (port, pid):
        if arguments.scenario == "flood":
            flood(port, pid, arguments.megabytes, server.get_path)
        else:
            asyncio.run(slowloris(port, arguments.connections, arguments.seconds, server))
    return 0


@contextlib.contextmanager
def serving(server: Server) -> Iterator[tuple[int, int]]:
    port = _free_port()
    bind = str(port) if server.command[-1] == "--port" else f"{HOST}:{port}"
    command = [*server.command, bind]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_listening(port, process)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def flood(port: int, pid: int, megabytes: int, target: bytes) -> None:
    """Two connections, each one header line of `megabytes` MiB; print RSS over time."""
    start_rss = _rss_mib(pid)
    peak = [start_rss]
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_rss, args=(pid, peak, stop), daemon=True)
    sampler.start()
    results: list[tuple[int, float, str]] = []
    senders = [
        threading.Thread(target=_stream_header, args=(port, megabytes, target, results))
        for _ in range(2)
    ]
    started = time.monotonic()
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    stop.set()
    sampler.join()
    print(f"flood: 2 connections x {megabytes} MiB of one header line, server PID {pid}")
    print(f"  server RSS: {start_rss:.0f} MiB before, peak {peak[0]:.0f} MiB")
    print(f"  RSS after the flood: {_rss_mib(pid):.0f} MiB")
    for sent, seconds, ending in results:
        print(f"  connection sent {sent / 2**20:.2f} MiB in {seconds:.2f} s, then {ending}")
    print(f"  total {time.monotonic() - started:.1f} s")


def _stream_header(
    port: int, megabytes: int, target: bytes, results: list[tuple[int, float, str]]
) -> None:
    block = b"a" * 65536
    sent = 0
    started = time.monotonic()
    ending = "sent everything; the server never cut it"
    with socket.create_connection((HOST, port)) as sock:
        sock.settimeout(30)
        try:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: " % target)
            while sent < megabytes * 2**20:
                sock.sendall(block)
                sent += len(block)
        except OSError as exc:
            ending = f"the server cut it ({type(exc).__name__}){_answer(sock)}"
        else:
            answer = _answer(sock)
            if answer:
                ending = f"the server answered{answer}"
    results.append((sent, time.monotonic() - started, ending))


def _answer(sock: socket.socket) -> str:
    with contextlib.suppress(OSError):
        sock.settimeout(1)
        data = sock.recv(200)
        if data:
            status_line = data.split(b"\r\n")[0].decode(errors="replace")
            return f", answer: {status_line!r}"
    return ""


def _sample_rss(pid: int, peak: list[float], stop: threading.Event) -> None:
    while not stop.wait(0.05):
        peak[0] = max(peak[0], _rss_mib(pid))


def _rss_mib(pid: int) -> float:
    """Resident memory of the server: the process and its children (gunicorn's workers)."""
    total = 0.0
    for process in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


@dataclass
class SlowClient:
    kind: str
    opened: float = 0.0
    closed_after: float | None = None
    answer: bytes = b""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def slowloris(port: int, connections: int, seconds: float, server: Server) -> None:
    """`connections` slow heads and `connections` slow bodies; who is still open at the end."""
    clients = [SlowClient("head") for _ in range(connections)]
    clients += [SlowClient("body") for _ in range(connections)]
    started = time.monotonic()
    writers = []
    for index, client in enumerate(clients):
        writers.append(await _open_slow(port, client, server))
        if index % 100 == 99:
            await asyncio.sleep(0.05)  # spread the connects so the listen backlog keeps up
    opened_in = time.monotonic() - started
    await asyncio.sleep(max(0.0, seconds / 4 - opened_in))
    probe = await _probe(port, server)  # early: before the default deadlines pass
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    print(
        f"slowloris: {connections} slow heads + {connections} slow bodies, one byte a second "
        f"each, opened in {opened_in:.1f} s; after {seconds:.0f} s:"
    )
    for kind in ("head", "body"):
        group = [client for client in clients if client.kind == kind]
        closed = [client for client in group if client.closed_after is not None]
        answers = sorted(
            {client.answer.decode(errors="replace") or "(nothing)" for client in closed}
        )
        line = f"  slow-{kind} connections: {len(group) - len(closed)} of {len(group)} still open"
        if closed:
            times = [client.closed_after for client in closed if client.closed_after is not None]
            line += (
                f"; cut after {statistics.median(times):.1f} s (median), "
                f"{max(times):.1f} s (max); answers: {', '.join(answers)}"
            )
        print(line)
    print(f"  a plain GET at {seconds / 4:.0f} s, on a new connection: {probe}")
    for client in clients:
        for task in client.tasks:
            task.cancel()
    for writer in writers:
        writer.close()
    await asyncio.gather(
        *(task for client in clients for task in client.tasks), return_exceptions=True
    )


async def _open_slow(port: int, client: SlowClient, server: Server) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection(HOST, port)
    client.opened = time.monotonic()
    if client.kind == "head":
        writer.write(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " % server.get_path)
    else:
        writer.write(
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % server.post_path
            + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
    client.tasks = [
        asyncio.create_task(_trickle(writer)),
        asyncio.create_task(_watch_close(reader, client)),
    ]
    return writer


async def _probe(port: int, server: Server) -> str:
    started = time.monotonic()
    try:
        async with asyncio.timeout(5):
            reader, writer = await asyncio.open_connection(HOST, port)
            request = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            writer.write(request % server.get_path)
            status = (await reader.readline()).strip().decode(errors="replace")
            writer.close()
    except TimeoutError:
        return "no answer within 5 s"
    return f"{status!r} after {time.monotonic() - started:.2f} s"


async def _trickle(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while True:
            await asyncio.sleep(1.0)
            writer.write(b"a")
            await writer.drain()


async def _watch_close(reader: asyncio.StreamReader, client: SlowClient) -> None:
    with contextlib.suppress(OSError):
        while True:
            data = await reader.read(4096)
            if not data:
                break
            if not client.answer:
                client.answer = data.split(b"\r\n")[0]
    client.closed_after = time.monotonic() - client.opened


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"legato run exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"legato run did not listen on port {port} within 30 s")


if __name__ == "__main__":
    raise SystemExit(main())

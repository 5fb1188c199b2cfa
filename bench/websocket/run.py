"""Broadcast one message to 1,000 websocket clients on one worker; memory and Redis layers.

    flock /tmp/legato-bench.lock .venv/bin/python bench/websocket/run.py [--clients 1000]

For each layer: start the app on uvicorn (one process), connect the clients, read the
server's RSS before and after (memory per connection), then publish ROUNDS messages one
at a time and record, for every client, the time from just before `group_send` to the
message's arrival (the system-wide monotonic clock, the same in both processes). Reports
p50/p99 over all deliveries and over each broadcast's last delivery (the time to reach
everyone). The clients run in this process, on the machine's other core, so the figures
include their own reading time. Results go to bench/websocket/results.md. Every step has
a deadline; the whole run takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ROUNDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_for_http(url: str, deadline: float = 20) -> None:
    stop_at = time.monotonic() + deadline
    while time.monotonic() < stop_at:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(url)


class Tally:
    """Counts arrivals and wakes the driver when all `expected` clients got one."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.counts: dict[int, int] = {}
        self.complete: dict[int, asyncio.Event] = {}

    def event(self, key: int) -> asyncio.Event:
        return self.complete.setdefault(key, asyncio.Event())

    def add(self, key: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] == self.expected:
            self.event(key).set()


class Client:
    def __init__(self) -> None:
        self.latencies: dict[int, float] = {}

    async def run(self, url: str, connected: Tally, delivered: Tally) -> None:
        async with connect(url, max_queue=None, open_timeout=30) as ws:
            assert await ws.recv() == "ready"
            connected.add(0)
            async for text in ws:
                received = time.monotonic_ns()
                message = orjson.loads(text)
                self.latencies[message["round"]] = (received - message["sent_ns"]) / 1e6
                delivered.add(message["round"])


async def measure(base: str, pid: int, clients: int) -> dict[str, float]:
    ws_url = base.replace("http://", "ws://") + "/ws/"
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        await _warm_up(ws_url, http)
        before = rss_kib(pid)
        members = [Client() for _ in range(clients)]
        delivered = Tally(clients)
        tasks = []
        for batch in range(0, clients, 100):  # no thundering herd on accept()
            group = members[batch : batch + 100]
            connected = Tally(len(group))
            tasks += [asyncio.create_task(c.run(ws_url, connected, delivered)) for c in group]
            await asyncio.wait_for(connected.event(0).wait(), 30)
        await asyncio.sleep(1)  # let the server settle before reading its memory
        after = rss_kib(pid)
        for round_number in range(ROUNDS):
            await http.post(f"/publish/?round={round_number}")
            await asyncio.wait_for(delivered.event(round_number).wait(), 30)
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return _summary(members, before, after, clients)


async def _warm_up(ws_url: str, http: httpx.AsyncClient) -> None:
    # Import and allocate everything once, so the RSS difference is the connections'.
    async with connect(ws_url) as ws:
        assert await ws.recv() == "ready"
        await http.post("/publish/?round=-1")
        await ws.recv()


def _summary(members: list[Client], before: int, after: int, clients: int) -> dict[str, float]:
    every = sorted(latency for c in members for latency in c.latencies.values())
    last = sorted(max(c.latencies[r] for c in members) for r in range(ROUNDS))
    return {
        "p50": statistics.median(every),
        "p99": every[int(len(every) * 0.99) - 1],
        "all_p50": statistics.median(last),
        "all_max": last[-1],
        "kib_per_connection": (after - before) / clients,
        "rss_before_mib": before / 1024,
        "rss_after_mib": after / 1024,
    }


def run_layer(name: str, clients: int, redis_url: str | None) -> dict[str, float]:
    port = free_port()
    env = {"LEGATO_CHANNELS_URL": redis_url or "memory://"}
    command = [
        sys.executable,
        "-m",
        "legato.cli",
        "run",
        "broadcast_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = start(command, HERE, {**env, "PYTHONPATH": str(ROOT)})
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/")
        result = asyncio.run(asyncio.wait_for(measure(base, server.pid, clients), 180))
    finally:
        stop(server)
    print(f"{name}: {result}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * options.clients)), hard))
    results = {"memory": run_layer("memory", options.clients, None)}
    redis_port = free_port()
    redis = start(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        HERE,
        {},
    )
    try:
        time.sleep(0.5)
        results["redis"] = run_layer("redis", options.clients, f"redis://127.0.0.1:{redis_port}/0")
    finally:
        stop(redis)
    write_results(results, options.clients)
    return 0


def write_results(results: dict[str, dict[str, float]], clients: int) -> None:
    rows = "\n".join(
        f"| {name} | {r['p50']:.1f} | {r['p99']:.1f} | {r['all_p50']:.1f} | {r['all_max']:.1f} "
        f"| {r['kib_per_connection']:.1f} | {r['rss_before_mib']:.0f} → {r['rss_after_mib']:.0f} |"
        for name, r in results.items()
    )
    (HERE / "results.md").write_text(
        f"""# WebSocket broadcast: one message to {clients} clients on one worker

Command: `flock /tmp/legato-bench.lock .venv/bin/python bench/websocket/run.py`
({time.strftime("%Y-%m-%d")}, {platform.python_version()}, {os.cpu_count()} cores,
uvicorn with one worker; the {clients} clients run in the benchmark process on the same
machine). {ROUNDS} broadcasts per layer, one at a time. Latency: from just before
`group_send` in the publishing view to the message's arrival in a client, in ms.

| layer | p50, each | p99, each | p50, last | max, last | KiB per connection | server RSS (MiB) |
|---|---|---|---|---|---|---|
{rows}

"Each": every delivery; "last": the last of a broadcast's {clients} deliveries, the time
for one message to reach everyone. Memory per connection: the server's RSS growth while
the clients connected and subscribed, divided by their number (the socket and its
buffers, the ASGI connection, the handler's coroutine and tasks, the subscription).
"""
    )


if __name__ == "__main__":
    raise SystemExit(main())

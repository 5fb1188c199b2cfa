"""Measure sync views against the thread pool's size: `python -m bench.pool.run`.

Serves bench/pool/app.py with `legato run` (server pinned to CPU 0, wrk to CPU 1) for
each pool size and prints requests per second and p99 latency, for a sync view that
waits 20 ms with the GIL released (blocking I/O) and one that computes for 1 ms.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.wrk import run_wrk
from tests.integration.servers import free_port, running

SIZES = (6, 16, 40, 100)


def command(port: int) -> list[str]:
    server = [sys.executable, "-m", "legato.cli", "run", "bench.pool.app:app"]
    return ["taskset", "-c", "0", *server, "--port", str(port), "--log-level", "warning"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=100)
    options = parser.parse_args()
    print(f"| pool size | route | req/s | p99 ms |  ({options.connections} connections)")
    for size in SIZES:
        port = free_port()
        env = {"LEGATO_THREAD_POOL_SIZE": str(size)}
        # running() stops the server by its PID and shows its output if it fails to start.
        with running(command(port), f"http://127.0.0.1:{port}/", env):
            for route in ("/io/", "/cpu/"):
                result = run_wrk(
                    f"http://127.0.0.1:{port}{route}",
                    connections=options.connections,
                    duration=options.seconds,
                    cpu=1,
                )
                print(f"| {size} | {route} | {result.rps:.0f} | {result.p99_ms:.1f} |")
        time.sleep(0.5)


if __name__ == "__main__":
    main()

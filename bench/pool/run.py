"""Measure sync views against the thread pool's size: `python -m bench.pool.run`.

Serves bench/pool/app.py with `legato run` (server pinned to CPU 0, wrk to CPU 1) for
each pool size and prints requests per second and p99 latency, for a sync view that
waits 20 ms with the GIL released (blocking I/O) and one that computes for 1 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.wrk import run_wrk
from tests.integration.servers import free_port, wait_until_serving

SIZES = (6, 16, 40, 100)


def serve(size: int, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LEGATO_THREAD_POOL_SIZE": str(size)}
    command = ["taskset", "-c", "0", sys.executable, "-m", "legato.cli", "run"]
    command += ["bench.pool.app:app", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=100)
    options = parser.parse_args()
    print(f"| pool size | route | req/s | p99 ms |  ({options.connections} connections)")
    for size in SIZES:
        port = free_port()
        server = serve(size, port)
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/", server, _NullLog())  # type: ignore[arg-type]
            for route in ("/io/", "/cpu/"):
                result = run_wrk(
                    f"http://127.0.0.1:{port}{route}",
                    connections=options.connections,
                    duration=options.seconds,
                    cpu=1,
                )
                print(f"| {size} | {route} | {result.rps:.0f} | {result.p99_ms:.1f} |")
        finally:
            server.terminate()
            server.wait(10)
            time.sleep(0.5)


class _NullLog:
    def seek(self, *args: object) -> None:
        pass

    def read(self) -> bytes:
        return b""


if __name__ == "__main__":
    main()

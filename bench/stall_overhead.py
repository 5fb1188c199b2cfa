"""What the stall detector costs: `python -m bench.stall_overhead`.

The benchmark's Legato app (hello JSON, and the path + query route) on uvicorn as the
benchmark suite serves it (server pinned to CPU 0, wrk on CPU 1), twice: with the
detector at its production default (0.5 s) and turned off (LEGATO_STALL_THRESHOLD=0).
Rounds alternate between the two servers, so drift hits both alike; it prints the
median requests per second of each and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from bench.scenarios import HELLO_PATH, ITEM_PATH
from bench.servers import ROOT, Server, _free_port, _wait_until_serving, server_command
from bench.variants import LEGATO
from bench.wrk import run_wrk

__all__ = ["main"]


@contextmanager
def legato_server(threshold: str | None) -> Iterator[Server]:
    port = _free_port()
    command = server_command(LEGATO, port, cpu=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGATO_")}
    env.update({"PYTHONUNBUFFERED": "1", "BENCH_ROUTES": "10", "BENCH_SLEEP": "0"})
    if threshold is not None:
        env["LEGATO_STALL_THRESHOLD"] = threshold
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(LEGATO, port, command, process, log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stall_overhead")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    options = parser.parse_args()
    for path in (HELLO_PATH, ITEM_PATH):
        rates: dict[str, list[float]] = {"on (0.5 s)": [], "off": []}
        with legato_server(None) as on, legato_server("0") as off:
            for _ in range(options.rounds):
                for label, server in (("on (0.5 s)", on), ("off", off)):
                    result = run_wrk(server.url(path), 64, options.seconds, cpu=1)
                    rates[label].append(result.rps)
        on_rate = statistics.median(rates["on (0.5 s)"])
        off_rate = statistics.median(rates["off"])
        print(
            f"{path}: detector on {on_rate:,.0f} req/s, off {off_rate:,.0f} req/s, "
            f"on/off {on_rate / off_rate:.3f} (median of {options.rounds} rounds each)"
        )


if __name__ == "__main__":
    main()

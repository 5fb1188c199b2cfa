"""Compare Legato on granian's ASGI interface with Legato on its RSGI interface.

Every server is one granian worker pinned to core 0; wrk (one thread, 64 connections)
runs on core 1. All servers start first, then each round measures every server on each
path, the order rotating from round to round, so that A and B alternate under the same
conditions. Run it under the benchmark lock:

    flock /tmp/legato-bench.lock /work/main/.venv/bin/python -m bench.rsgi_compare

It prints, for each server on each path, the median requests/s and the median CPU time
the server's processes spent per request (user + system, all threads, from
/proc/<pid>/stat, granian's worker process included), with their ratios to Legato on
ASGI and to the bare ASGI app (the floor). Requests/s is what the rule in issue 18 asks
about; CPU per request is its steadier reading on a machine whose other tenants take
turns on the server's core (requests/s of a saturated server = 1 / CPU per request).
The RSGI edges measured are in bench/rsgi_edge.py; the figures, and why Legato has no
RSGI entry, are in docs/decisions.md ("No RSGI entry").
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.scenarios import HELLO_PATH, ITEM_PATH, expected_body
from bench.servers import end_process, granian_arguments
from bench.wrk import run_wrk

__all__ = ["SERVERS", "main"]

SERVER_CPU = 0
LOAD_CPU = 1
PATHS = (HELLO_PATH, ITEM_PATH)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ServerSpec:
    key: str
    label: str
    interface: str  # granian's --interface
    target: str  # a factory, "module:function"


SERVERS = (
    ServerSpec("floor-asgi", "bare ASGI app (floor)", "asgi", "bench.apps.floor:create_app"),
    ServerSpec("floor-rsgi", "bare RSGI app", "rsgi", "bench.rsgi_edge:create_bare_rsgi"),
    ServerSpec("legato-asgi", "Legato, ASGI", "asgi", "bench.apps.legato_app:create_app"),
    ServerSpec(
        "legato-rsgi-adapter",
        "Legato, RSGI (ASGI handler behind adapters)",
        "rsgi",
        "bench.rsgi_edge:create_adapter_edge",
    ),
    ServerSpec(
        "legato-rsgi-fast",
        "Legato, RSGI (response_bytes fast path)",
        "rsgi",
        "bench.rsgi_edge:create_fast_edge",
    ),
)


@dataclass
class Running:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        end_process(self.process, self.log, grace=15)


def granian_command(spec: ServerSpec, port: int) -> list[str]:
    pin = ["taskset", "-c", str(SERVER_CPU)]
    return [*pin, sys.executable, "-m", *granian_arguments(spec.target, port, spec.interface)]


def start(spec: ServerSpec) -> Running:
    port = _free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Running.stop)
    process = subprocess.Popen(granian_command(spec, port), stdout=log, stderr=subprocess.STDOUT)
    server = Running(spec, port, process, log)
    try:
        _check_answers(server)
    except BaseException:
        server.stop()
        raise
    return server


def _check_answers(server: Running) -> None:
    deadline = time.monotonic() + 30
    for path in PATHS:
        while True:
            try:
                with urllib.request.urlopen(server.url(path), timeout=5) as answer:
                    body = json.loads(answer.read())
                break
            except OSError:
                if server.process.poll() is not None or time.monotonic() > deadline:
                    server.log.seek(0)
                    output = server.log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(
                        f"{server.spec.key} did not serve {path}:\n{output}"
                    ) from None
                time.sleep(0.2)
        if body != expected_body(path, 1.0):
            raise RuntimeError(f"{server.spec.key} answered {path} with {body!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its descendants, all threads, so far."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        stack.extend(int(child) for child in children)
    return total


Figures = dict[str, dict[str, dict[str, list[float]]]]  # server -> path -> metric -> runs


def measure(servers: list[Running], rounds: int, duration: int, connections: int) -> Figures:
    """Requests/s and CPU us per request of each server on each path, one per round."""
    figures: Figures = {
        server.spec.key: {path: {"rps": [], "cpu_us": []} for path in PATHS} for server in servers
    }
    for server in servers:  # warm-up, not counted
        for path in PATHS:
            run_wrk(server.url(path), connections, 2, LOAD_CPU)
    for number in range(rounds):
        order = servers[number % len(servers) :] + servers[: number % len(servers)]
        for path in PATHS:
            for server in order:
                before = cpu_seconds(server.process.pid)
                result = run_wrk(server.url(path), connections, duration, LOAD_CPU)
                cpu_us = (cpu_seconds(server.process.pid) - before) / result.requests * 1e6
                if result.errors or result.timeouts:
                    raise RuntimeError(f"{server.spec.key} {path}: {result}")
                figures[server.spec.key][path]["rps"].append(result.rps)
                figures[server.spec.key][path]["cpu_us"].append(cpu_us)
                print(
                    f"round {number + 1} {path:16} {server.spec.key:22} "
                    f"{result.rps:9.0f} req/s {cpu_us:7.2f} cpu us/req"
                )
    return figures


def report(figures: Figures) -> dict[str, Any]:
    medians = {
        key: {
            path: {metric: statistics.median(runs) for metric, runs in metrics.items()}
            for path, metrics in by_path.items()
        }
        for key, by_path in figures.items()
    }
    for metric, unit in (("rps", "requests/s"), ("cpu_us", "server CPU us per request")):
        print(f"\nmedian {unit}; ratios as speed (xA: to Legato on ASGI, xF: to the floor)")
        print(f"{'server':24}" + "".join(f"{path:>34}" for path in PATHS))
        for key, by_path in medians.items():
            cells = "".join(
                f"{by_path[path][metric]:>18.2f}" + _ratios(medians, key, path, metric)
                for path in PATHS
            )
            print(f"{key:24}{cells}")
    return {"figures": figures, "medians": medians}


def _ratios(medians: dict[str, Any], key: str, path: str, metric: str) -> str:
    text = ""
    for reference, mark in (("legato-asgi", "A"), ("floor-asgi", "F")):
        if reference in medians:
            mine, theirs = medians[key][path][metric], medians[reference][path][metric]
            speed = mine / theirs if metric == "rps" else theirs / mine
            text += f" {speed:.2f}x{mark}"
    return text or " " * 16


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", help="server keys to run (default: all)")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args(argv)
    specs = [spec for spec in SERVERS if not args.only or spec.key in args.only]
    servers: list[Running] = []
    try:
        for spec in specs:
            servers.append(start(spec))
        figures = measure(servers, args.rounds, args.duration, args.connections)
    finally:
        for server in servers:
            server.stop()
    summary = report(figures)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)


if __name__ == "__main__":
    main()

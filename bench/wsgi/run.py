"""Measure the hello view, async and sync, under gunicorn: Legato beside Django.

Run: `.venv/bin/python -m bench.wsgi.run` (writes bench/wsgi/results.md and prints the
same Markdown). It takes /tmp/legato-bench.lock for the whole run, as `flock` would,
unless LEGATO_BENCH_LOCK_HELD=1 says the caller holds it; LEGATO_BENCH_SMOKE=1 asks for
one short round, printed only (bench/wsgi/results.md keeps the last full run).

Method: each subject (framework x view) is served in turn by gunicorn with one sync
worker and no access log, pinned to one CPU, and loaded by wrk (one thread, 10
connections) pinned to another, for a few seconds after a warm-up. Rounds alternate
the order of the subjects; each figure is the median over rounds. The issue's targets:
Legato's async view at >= 0.87x its sync view, and >= 2x Django's async view.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["SUBJECTS", "Subject", "main"]

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results.md"
LOCK = "/tmp/legato-bench.lock"
CONNECTIONS = 10
TARGET_RATIO = 0.87
TARGET_VS_DJANGO = 2.0


@dataclass(frozen=True)
class Subject:
    framework: str
    view: str  # "sync" or "async"
    module: str
    path: str


SUBJECTS = [
    Subject("Legato", "sync", "bench.wsgi.legato_app:application", "/sync-hello/"),
    Subject("Legato", "async", "bench.wsgi.legato_app:application", "/hello/"),
    Subject("Django", "sync", "bench.wsgi.django_app:application", "/sync-hello/"),
    Subject("Django", "async", "bench.wsgi.django_app:application", "/hello/"),
]


@dataclass(frozen=True)
class Plan:
    rounds: int
    seconds: int
    warmup: int
    server_cpu: int | None
    load_cpu: int | None


@dataclass
class Measurements:
    rps: dict[Subject, list[float]] = field(default_factory=dict)
    errors: dict[Subject, int] = field(default_factory=dict)

    def median(self, framework: str, view: str) -> float:
        subject = next(s for s in SUBJECTS if (s.framework, s.view) == (framework, view))
        return statistics.median(self.rps[subject])


def main() -> None:
    smoke = os.environ.get("LEGATO_BENCH_SMOKE") == "1"
    plan = make_plan(smoke=smoke)
    with bench_lock():
        measured = measure(plan)
    report = render(plan, measured)
    if not smoke:  # a one-second smoke run must not replace the recorded figures
        RESULTS.write_text(report)
    sys.stdout.write(report)


def make_plan(*, smoke: bool) -> Plan:
    cpus = sorted(os.sched_getaffinity(0))
    pinned = len(cpus) >= 2 and shutil.which("taskset") is not None
    return Plan(
        rounds=1 if smoke else 5,
        seconds=1 if smoke else 4,
        warmup=0 if smoke else 1,
        server_cpu=cpus[0] if pinned else None,
        load_cpu=cpus[1] if pinned else None,
    )


@contextlib.contextmanager
def bench_lock() -> Iterator[None]:
    """Hold the machine-wide benchmark lock (flock(1)-compatible) unless the caller does."""
    if os.environ.get("LEGATO_BENCH_LOCK_HELD") == "1":
        yield
        return
    with open(LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def measure(plan: Plan) -> Measurements:
    measured = Measurements()
    for round_index in range(plan.rounds):
        order = SUBJECTS if round_index % 2 == 0 else SUBJECTS[::-1]
        for subject in order:
            rps, errors = measure_one(subject, plan)
            measured.rps.setdefault(subject, []).append(rps)
            measured.errors[subject] = measured.errors.get(subject, 0) + errors
            print(f"round {round_index + 1}: {label(subject)}: {rps:,.0f} req/s", file=sys.stderr)
    return measured


def measure_one(subject: Subject, plan: Plan) -> tuple[float, int]:
    with gunicorn(subject, plan.server_cpu) as base:
        url = base + subject.path
        check_answer(url)
        if plan.warmup:
            wrk(url, plan.warmup, plan.load_cpu)
        return wrk(url, plan.seconds, plan.load_cpu)


@contextlib.contextmanager
def gunicorn(subject: Subject, cpu: int | None) -> Iterator[str]:
    port = free_port()
    command = [
        *pin(cpu),
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        subject.module,
    ]  # the access log is off unless --access-logfile is given
    with log_file() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base + subject.path, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextlib.contextmanager
def log_file() -> Iterator[IO[bytes]]:
    import tempfile

    with tempfile.TemporaryFile() as log:
        yield log


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited early:\n{log.read().decode(errors='replace')}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=1).read()
            return
        time.sleep(0.1)
    raise TimeoutError(f"gunicorn did not answer {url} within 30 s")


def check_answer(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as answer:
        body = answer.read()
    if answer.status != 200 or body.replace(b" ", b"") != b'{"message":"Hello,world!"}':
        raise RuntimeError(f"{url} answered {answer.status} {body!r}, not the hello JSON")


def pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


def wrk(url: str, seconds: int, cpu: int | None) -> tuple[float, int]:
    """Requests per second, and the count of errors and non-2xx answers."""
    command = [*pin(cpu), "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", url]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    match = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no Requests/sec line:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout) (\d+)", output))
    return float(match[1]), errors


def render(plan: Plan, measured: Measurements) -> str:
    rows = []
    ratios = {}
    for framework in ("Legato", "Django"):
        sync, asynchronous = measured.median(framework, "sync"), measured.median(framework, "async")
        ratios[framework] = asynchronous / sync
        rows.append(
            f"| {framework} | {sync:,.0f} | {asynchronous:,.0f} | {ratios[framework]:.2f}x |"
        )
    versus = measured.median("Legato", "async") / measured.median("Django", "async")
    lines = [
        "### WSGI: the hello view under gunicorn (1 sync worker)",
        "",
        "| framework | sync view (req/s) | async view (req/s) | async / sync |",
        "|---|---:|---:|---:|",
        *rows,
        "",
        f"Legato's async view vs Django's async view, both under WSGI: **{versus:.2f}x**.",
        "",
        "| target (issue 4) | measured | met |",
        "|---|---:|---|",
        f"| Legato async / sync >= {TARGET_RATIO}x | {ratios['Legato']:.2f}x | "
        f"{_yes(ratios['Legato'] >= TARGET_RATIO)} |",
        f"| Legato async >= {TARGET_VS_DJANGO:g}x Django async | {versus:.2f}x | "
        f"{_yes(versus >= TARGET_VS_DJANGO)} |",
        "",
        *_method(plan, measured),
    ]
    return "\n".join(lines) + "\n"


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _method(plan: Plan, measured: Measurements) -> list[str]:
    pinning = (
        f"gunicorn pinned to CPU {plan.server_cpu}, wrk to CPU {plan.load_cpu}"
        if plan.server_cpu is not None
        else "no CPU pinning (taskset or a second CPU missing)"
    )
    runs = "; ".join(
        f"{label(s)} " + ", ".join(f"{r:,.0f}" for r in measured.rps[s]) for s in SUBJECTS
    )
    errors = sum(measured.errors.values())
    return [
        f"Method: `python -m bench.wsgi.run`; {plan.rounds} alternating round(s) of "
        f"{plan.seconds} s per subject after a {plan.warmup} s warm-up, median shown; "
        f"gunicorn {_version('gunicorn')} (1 sync worker, no access log), wrk -t1 "
        f"-c{CONNECTIONS}; {pinning}; Python {platform.python_version()}, Django "
        f"{_version('django')}; {os.cpu_count()} CPUs. Errors and non-2xx answers: {errors}.",
        "",
        f"Every run (req/s): {runs}.",
    ]


def label(subject: Subject) -> str:
    return f"{subject.framework} {subject.view}"


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()

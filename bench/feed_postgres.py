"""Scenario 8, the feed page, on PostgreSQL: `python -m bench.feed_postgres`.

Starts a private PostgreSQL cluster in a scratch directory (127.0.0.1, a free port,
run as the `postgres` user when this runs as root, since PostgreSQL refuses root),
builds the feed data into one database of it (`python -m bench.feed_build URL`, both
frameworks' tables side by side, as in the SQLite file), then measures the feed page
exactly as scenario 8 does (`bench.measure`: each server logs the 50 users in and must
serve them the right pages before and after the load; warm-up, then rounds that start
one row further on each time). Rows: Django with its default connection handling
(`CONN_MAX_AGE = 0`, a new connection per request, as in scenario 8), Django with
psycopg's connection pool (`OPTIONS["pool"]`, which Django's docs suggest under ASGI),
and Legato with database and with signed-cookie sessions (SQLAlchemy on asyncpg, its
default pool). Each server is one uvicorn worker pinned to core 0, with PostgreSQL on
the same core (the database shares the server's core, as SQLite does in-process); wrk
runs on core 1. The cluster is stopped by its postmaster's PID however the run ends.
Run it under the benchmark lock:
`flock /tmp/legato-bench.lock .venv/bin/python -m bench.feed_postgres`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.environment import describe_environment
from bench.feed_data import USERS
from bench.measure import Preset, RunOptions, run_scenario
from bench.results import ScenarioResult
from bench.scenarios import FEED_PAGE, Row, Scenario
from bench.servers import ROOT, server_pool
from bench.stats import RowSummary, summarize
from bench.variants import DJANGO_FEED, LEGATO_FEED_DB, LEGATO_FEED_SIGNED, Variant

__all__ = ["DJANGO_FEED_POOL", "build_feed_database", "main", "postgres_cluster", "scenario"]

SERVER_CPU, LOAD_CPU = 0, 1
DATABASE = "legato_feed"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
DJANGO_FEED_POOL = Variant(
    "django-feed-pool",
    "Django, sessions in the database, psycopg pool",
    "bench.apps.django_feed_app:create_app_with_pool",
)
_ROWS = (DJANGO_FEED, DJANGO_FEED_POOL, LEGATO_FEED_DB, LEGATO_FEED_SIGNED)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("The feed benchmark pins the servers and wrk to two cores; found one.")
    options = RunOptions(
        preset=Preset(
            rounds=arguments.rounds,
            duration=arguments.duration,
            slow_rounds=arguments.rounds,
            slow_duration=arguments.duration,
            warmup=arguments.warmup,
            sleep=1.0,
        ),
        server_cpu=SERVER_CPU,
        load_cpu=LOAD_CPU,
        smoke=False,
        scenarios=(FEED_PAGE.number,),
        connections=arguments.connections,
    )
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    environment = describe_environment()
    chosen = scenario(arguments.connections)
    with postgres_cluster(SERVER_CPU) as url:
        build_feed_database(url)
        with (
            tempfile.TemporaryDirectory(prefix="legato-feed-pg-") as scratch,
            server_pool(SERVER_CPU, 1.0, {"BENCH_FEED_DB": url}) as pool,
        ):
            result = run_scenario(chosen, pool, options, Path(scratch))
        version = _server_version(url)
    print(_report(chosen, result, started, environment, version))
    if arguments.results:
        arguments.results.write_text(json.dumps(result.to_json(), indent=1) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feed_postgres", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per row and round")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per row")
    parser.add_argument(
        "--connections", type=int, default=USERS, help=f"wrk connections (default {USERS})"
    )
    parser.add_argument("--results", type=Path, help="also write the rounds here, as JSON")
    return parser


def scenario(connections: int = USERS, baseline: str = DJANGO_FEED.key) -> Scenario:
    """Scenario 8 with this runner's rows, each compared with the row keyed `baseline`."""
    rows = tuple(
        Row(
            variant.key,
            variant.label,
            variant,
            FEED_PAGE.rows[0].path,
            starlette=None,
            baseline=None if variant.key == baseline else baseline,
        )
        for variant in _ROWS
    )
    return replace(
        FEED_PAGE,
        title=f"{FEED_PAGE.title}, on PostgreSQL",
        rows=rows,
        connections=connections,
    )


def build_feed_database(url: str) -> None:
    """Build the feed data into the database at `url`, in a process of its own."""
    command = [sys.executable, "-m", "bench.feed_build", url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}")


# --- the private PostgreSQL cluster ------------------------------------------------------


def postgres_bin() -> Path:
    """The directory of the newest installed PostgreSQL's programs (Debian's layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path is None:
        raise RuntimeError(
            "PostgreSQL's initdb was not found (in /usr/lib/postgresql/*/bin or on PATH); "
            "install the server: apt-get install postgresql."
        )
    return Path(on_path).parent


@contextmanager
def postgres_cluster(cpu: int | None = None) -> Iterator[str]:
    """Yield a `postgresql://` URL to an empty database of a new, private cluster.

    The cluster's programs run pinned to `cpu` when given. `fsync` and synchronous
    commits are off: the page reads and writes nothing, and setting up should be quick.
    """
    programs = postgres_bin()
    with tempfile.TemporaryDirectory(prefix="legato-pg-") as directory:
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        data = Path(directory) / "data"
        _initdb(programs, data)
        port = _free_port()
        command = _as_postgres_user(
            [
                str(programs / "postgres"),
                *("-D", str(data), "-p", str(port), "-k", directory),
                *("-c", "listen_addresses=127.0.0.1"),
                *("-c", "fsync=off", "-c", "synchronous_commit=off"),
                *("-c", "full_page_writes=off"),
            ]
        )
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        with open(Path(directory) / "server.log", "wb") as log:
            server = subprocess.Popen([*pin, *command], stdout=log, stderr=subprocess.STDOUT)
            try:
                _create_database(port, server, Path(log.name))
                yield f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
            finally:
                _stop(server, data)


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as root, run it as the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _initdb(programs: Path, data: Path) -> None:
    command = [str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    done = subprocess.run(
        _as_postgres_user([*command, "--no-sync"]), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb exited with {done.returncode}:\n{done.stderr}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_database(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    while True:
        if server.poll() is not None:
            raise RuntimeError(
                f"PostgreSQL exited with {server.returncode} while starting; its log:\n"
                f"{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=2) as connection:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stop(server: subprocess.Popen[bytes], data: Path) -> None:
    """Stop the cluster by its postmaster's PID: a fast shut-down, then an immediate one."""
    postmaster = _postmaster_pid(data)
    for signal_number in (signal.SIGINT, signal.SIGQUIT):
        if server.poll() is not None:
            return
        if postmaster is None:
            server.terminate()  # started no postmaster: end what we started, by its PID
        else:
            with suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(postmaster, signal_number)
        try:
            server.wait(timeout=STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            continue
    server.kill()
    server.wait(timeout=5)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


# --- the figures --------------------------------------------------------------------------


def _report(
    chosen: Scenario,
    result: ScenarioResult,
    started: str,
    environment: dict[str, object],
    version: str,
) -> str:
    plain = summarize(chosen, result)
    pooled = summarize(scenario(chosen.connections, DJANGO_FEED_POOL.key), result)
    packages = environment.get("packages")
    django = packages.get("django") if isinstance(packages, dict) else None
    lines = [
        f"Feed page on PostgreSQL {version}: started {started}, commit "
        f"{environment.get('legato_commit')}, Django {django}; {result.rounds} rounds x "
        f"{result.duration} s, {result.connections} connections; medians of the rounds, "
        "ratios taken inside each round.",
        "",
        "| server | req/s | p50 | p99 | errors | vs Django | vs Django, pooled |",
        "|---|---|---|---|---|---|---|",
        *(_line(plain[row.key], pooled[row.key]) for row in chosen.rows),
        "",
        f"wrk: {' '.join(result.wrk_command)}",
        *(f"{key}: {' '.join(command)}" for key, command in result.server_commands.items()),
    ]
    return "\n".join(lines)


def _line(plain: RowSummary, pooled: RowSummary) -> str:
    def ratio(summary: RowSummary) -> str:
        if summary.row.baseline is None:
            return "1.00x"  # the row compared with is itself
        return "-" if summary.vs_baseline is None else f"{summary.vs_baseline:.2f}x"

    def number(value: float | None, form: str) -> str:
        return "-" if value is None else format(value, form)

    return (
        f"| {plain.row.label} | {number(plain.rps, ',.0f')} | "
        f"{number(plain.p50_ms, '.2f')} ms | {number(plain.p99_ms, '.2f')} ms | "
        f"{plain.errors} | {ratio(plain)} | {ratio(pooled)} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the ASGI scenarios: start and check every server, then alternate them over rounds.

Order of work for one scenario: start each row's server (pinned to the server core) and
check that its path answers the expected JSON; warm every measured row up once; then, in
every round, load each row in turn with wrk, starting each round one row further on so
no framework always runs first. Slow scenarios get servers of their own, started for
them, so memory and thread counts start from a server that has served one request.
A scenario with logged-in users (the feed page) first gets its database, built once per
run in a scratch directory that every server is told about (BENCH_FEED_DB); each of its
servers then logs the users in and must serve each of them the right page, before and
after the load.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench.logged_in import build_feed_database, check_feed, write_cookie_file
from bench.procstat import Sampler, read_status
from bench.results import ProcessSummary, RowResult, ScenarioResult
from bench.scenarios import SCENARIOS, Row, Scenario, expected_body
from bench.servers import Server, ServerError, ServerPool, fetch_json, server_pool
from bench.variants import UVICORN
from bench.wrk import FEED_SCRIPT, SCRIPT, WrkResult, run_wrk, wrk_command

__all__ = ["Preset", "RunOptions", "run_scenario", "run_scenarios"]


@dataclass(frozen=True, slots=True)
class Preset:
    """How long to measure: `run.FULL` for the report, `run.SMOKE` for CI."""

    rounds: int
    duration: int
    slow_rounds: int
    slow_duration: int
    warmup: int
    sleep: float


@dataclass(frozen=True, slots=True)
class RunOptions:
    preset: Preset
    server_cpu: int | None
    load_cpu: int | None
    smoke: bool
    scenarios: tuple[int, ...]
    connections: int | None = None  # instead of each scenario's own count


@dataclass(frozen=True, slots=True)
class Load:
    """What wrk runs against one row: its script, and the script's arguments."""

    script: Path = SCRIPT
    arguments: tuple[str, ...] = ()

    def run(self, url: str, connections: int, duration: int, cpu: int | None) -> WrkResult:
        return run_wrk(url, connections, duration, cpu, self.script, self.arguments)


def run_scenarios(options: RunOptions) -> list[ScenarioResult]:
    chosen = [
        replace(scenario, connections=options.connections or scenario.connections)
        for scenario in SCENARIOS
        if scenario.number in options.scenarios
    ]
    results = []
    with tempfile.TemporaryDirectory(prefix="legato-bench-") as directory:
        scratch = Path(directory)
        environment = _prepare(chosen, scratch)
        with server_pool(options.server_cpu, options.preset.sleep, environment) as shared:
            for index, scenario in enumerate(chosen):
                if scenario.slow:
                    with server_pool(
                        options.server_cpu, options.preset.sleep, environment
                    ) as fresh:
                        results.append(run_scenario(scenario, fresh, options, scratch))
                else:
                    results.append(run_scenario(scenario, shared, options, scratch))
                # Idle servers still wake up on the server core; keep only those needed.
                shared.retain(
                    {row.variant.key for later in chosen[index + 1 :] for row in later.rows}
                )
    return results


def _prepare(chosen: list[Scenario], scratch: Path) -> dict[str, str]:
    """Build what the chosen scenarios' servers read; return the variables naming it."""
    if not any(scenario.logged_in_users for scenario in chosen):
        return {}
    _say("building the feed database")
    return {"BENCH_FEED_DB": str(build_feed_database(scratch))}


def run_scenario(
    scenario: Scenario, pool: ServerPool, options: RunOptions, scratch: Path
) -> ScenarioResult:
    """Measure one scenario, built-in or not, on servers from `pool`."""
    _say(f"scenario {scenario.number}: {scenario.title}")
    preset = options.preset
    servers = {row.key: pool.get(row.variant) for row in scenario.rows}
    loads = {
        row.key: _checked_load(servers[row.key], row, scenario, scratch, preset.sleep)
        for row in scenario.rows
    }
    measured = [row for row in scenario.rows if row.in_smoke or not options.smoke]
    rounds = preset.slow_rounds if scenario.slow else preset.rounds
    duration = preset.slow_duration if scenario.slow else preset.duration
    results = {row.key: RowResult(row.key) for row in scenario.rows}
    baselines = {key: read_status(servers[key].app_pid) for key in results} if scenario.slow else {}
    for row in measured if preset.warmup else ():
        loads[row.key].run(
            servers[row.key].url(row.path), scenario.connections, preset.warmup, options.load_cpu
        )
    for round_index in range(rounds):
        _run_round(scenario, measured, servers, loads, results, round_index, duration, options)
    for row in measured:  # the load left the sessions valid, and the pages right
        _check_feeds(servers[row.key], row, scenario, loads[row.key])
    for key, baseline in baselines.items():
        process = results[key].process
        if process is not None:
            process.baseline_rss_kib = baseline.rss_kib
            process.baseline_threads = baseline.threads
    example = servers[scenario.rows[0].key]
    return ScenarioResult(
        number=scenario.number,
        rounds=rounds,
        duration=duration,
        connections=scenario.connections,
        wrk_command=wrk_command(
            example.url(scenario.rows[0].path),
            scenario.connections,
            duration,
            options.load_cpu,
            loads[scenario.rows[0].key].script,
            loads[scenario.rows[0].key].arguments,
        ),
        server_commands={row.variant.key: servers[row.key].command for row in scenario.rows},
        rows=results,
    )


def _run_round(
    scenario: Scenario,
    measured: list[Row],
    servers: dict[str, Server],
    loads: dict[str, Load],
    results: dict[str, RowResult],
    round_index: int,
    duration: int,
    options: RunOptions,
) -> None:
    for row_result in results.values():
        row_result.rounds.append(None)
    shift = round_index % max(len(measured), 1)
    for row in measured[shift:] + measured[:shift]:
        server = servers[row.key]
        result = _load(scenario, row, server, loads[row.key], results[row.key], duration, options)
        results[row.key].rounds[round_index] = result
        _say(
            f"  round {round_index + 1}: {row.label + _on(row):<46} {result.rps:>10,.0f} req/s  "
            f"p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:8.2f} ms"
            + (
                f"  errors {result.errors + result.timeouts}"
                if result.errors + result.timeouts
                else ""
            )
        )
        if server.process.poll() is not None:
            raise ServerError(f"{row.label} died under load; its output:\n{server.output()}")


def _load(
    scenario: Scenario,
    row: Row,
    server: Server,
    load: Load,
    result: RowResult,
    duration: int,
    options: RunOptions,
) -> WrkResult:
    url = server.url(row.path)
    if not scenario.slow:
        return load.run(url, scenario.connections, duration, options.load_cpu)
    with Sampler(server.app_pid) as sampler:
        measured = load.run(url, scenario.connections, duration, options.load_cpu)
    previous = result.process or ProcessSummary(0, 0, 0, 0)
    result.process = ProcessSummary(
        baseline_rss_kib=previous.baseline_rss_kib,
        baseline_threads=previous.baseline_threads,
        peak_rss_kib=max(previous.peak_rss_kib, sampler.peak_rss_kib),
        peak_threads=max(previous.peak_threads, sampler.peak_threads),
    )
    return measured


def _checked_load(
    server: Server, row: Row, scenario: Scenario, scratch: Path, sleep: float
) -> Load:
    """Check that the row's server answers its path right; return how to load it."""
    if scenario.logged_in_users:
        cookies = scratch / f"{row.variant.key}.cookies"
        write_cookie_file(server.port, scenario.logged_in_users, cookies)
        load = Load(FEED_SCRIPT, (str(cookies),))
        _check_feeds(server, row, scenario, load)
        return load
    status, body = fetch_json(server, row.path)
    expected = expected_body(row.path, sleep)
    if status != 200 or body != expected:
        raise ServerError(
            f"{row.label} answered GET {row.path} with {status} {body!r}; expected 200 "
            f"{expected!r}. Fix bench/apps/ before measuring."
        )
    return Load()


def _check_feeds(server: Server, row: Row, scenario: Scenario, load: Load) -> None:
    if not scenario.logged_in_users:
        return
    cookies = Path(load.arguments[0]).read_text().splitlines()
    for user_id in (1, scenario.logged_in_users):  # first and last: distinct sessions
        check_feed(server.port, row.path, user_id, cookies[user_id - 1])


def _on(row: Row) -> str:
    return f" on {row.variant.server}" if row.variant.server != UVICORN else ""


_STARTED = time.monotonic()


def _say(line: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {line}", file=sys.stderr, flush=True)

"""Run the ASGI scenarios: start and check every server, then alternate them over rounds.

Order of work for one scenario: start each row's server (pinned to the server core) and
check that its path answers the expected JSON; warm every measured row up once; then, in
every round, load each row in turn with wrk, starting each round one row further on so
no framework always runs first. Slow scenarios get servers of their own, started for
them, so memory and thread counts start from a server that has served one request.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from bench.procstat import Sampler, read_status
from bench.results import ProcessSummary, RowResult, ScenarioResult
from bench.scenarios import SCENARIOS, Row, Scenario, expected_body
from bench.servers import Server, ServerError, ServerPool, fetch_json, server_pool
from bench.wrk import WrkResult, run_wrk, wrk_command

__all__ = ["Preset", "RunOptions", "run_scenarios"]


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


def run_scenarios(options: RunOptions) -> list[ScenarioResult]:
    chosen = [scenario for scenario in SCENARIOS if scenario.number in options.scenarios]
    results = []
    with server_pool(options.server_cpu, options.preset.sleep) as shared:
        for index, scenario in enumerate(chosen):
            if scenario.slow:
                with server_pool(options.server_cpu, options.preset.sleep) as fresh:
                    results.append(_run(scenario, fresh, options))
            else:
                results.append(_run(scenario, shared, options))
            # Idle servers still wake up on the server core; keep only those needed later.
            shared.retain({row.variant.key for later in chosen[index + 1 :] for row in later.rows})
    return results


def _run(scenario: Scenario, pool: ServerPool, options: RunOptions) -> ScenarioResult:
    _say(f"scenario {scenario.number}: {scenario.title}")
    preset = options.preset
    servers = {row.key: _checked_server(pool, row, preset.sleep) for row in scenario.rows}
    measured = [row for row in scenario.rows if row.in_smoke or not options.smoke]
    rounds = preset.slow_rounds if scenario.slow else preset.rounds
    duration = preset.slow_duration if scenario.slow else preset.duration
    results = {row.key: RowResult(row.key) for row in scenario.rows}
    baselines = {key: read_status(servers[key].pid) for key in results} if scenario.slow else {}
    for row in measured if preset.warmup else ():
        run_wrk(
            servers[row.key].url(row.path), scenario.connections, preset.warmup, options.load_cpu
        )
    for round_index in range(rounds):
        _run_round(scenario, measured, servers, results, round_index, duration, options)
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
            example.url(scenario.rows[0].path), scenario.connections, duration, options.load_cpu
        ),
        server_commands={row.variant.key: servers[row.key].command for row in scenario.rows},
        rows=results,
    )


def _run_round(
    scenario: Scenario,
    measured: list[Row],
    servers: dict[str, Server],
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
        result = _load(scenario, row, server, results[row.key], duration, options)
        results[row.key].rounds[round_index] = result
        _say(
            f"  round {round_index + 1}: {row.label:<36} {result.rps:>10,.0f} req/s  "
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
    result: RowResult,
    duration: int,
    options: RunOptions,
) -> WrkResult:
    url = server.url(row.path)
    if not scenario.slow:
        return run_wrk(url, scenario.connections, duration, options.load_cpu)
    with Sampler(server.pid) as sampler:
        measured = run_wrk(url, scenario.connections, duration, options.load_cpu)
    previous = result.process or ProcessSummary(0, 0, 0, 0)
    result.process = ProcessSummary(
        baseline_rss_kib=previous.baseline_rss_kib,
        baseline_threads=previous.baseline_threads,
        peak_rss_kib=max(previous.peak_rss_kib, sampler.peak_rss_kib),
        peak_threads=max(previous.peak_threads, sampler.peak_threads),
    )
    return measured


def _checked_server(pool: ServerPool, row: Row, sleep: float) -> Server:
    server = pool.get(row.variant)
    status, body = fetch_json(server, row.path)
    expected = expected_body(row.path, sleep)
    if status != 200 or body != expected:
        raise ServerError(
            f"{row.label} answered GET {row.path} with {status} {body!r}; expected 200 "
            f"{expected!r}. Fix bench/apps/ before measuring."
        )
    return server


_STARTED = time.monotonic()


def _say(line: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {line}", file=sys.stderr, flush=True)

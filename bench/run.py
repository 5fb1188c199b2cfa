"""Run the benchmark suite and write docs/benchmarks.md: `python -m bench.run`.

Run it under the benchmark lock, as `make bench` does, so two benchmarks never share
the machine: `flock /tmp/legato-bench.lock .venv/bin/python -m bench.run`.
`--smoke` runs every scenario for about a second (CI uses it so the suite cannot rot;
its figures mean nothing). `--report-only` rebuilds the page from saved results.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.environment import describe_environment, legato_digest
from bench.measure import Preset, RunOptions, run_scenarios
from bench.report import WSGI_SCENARIO, write_report
from bench.results import RunResult, WsgiResult
from bench.scenarios import SCENARIOS
from bench.servers import ROOT
from bench.wsgi_figures import COMMAND, run_wsgi_figures

__all__ = ["main"]

FULL = Preset(rounds=5, duration=3, slow_rounds=3, slow_duration=8, warmup=1, sleep=1.0)
SMOKE = Preset(rounds=1, duration=1, slow_rounds=1, slow_duration=1, warmup=0, sleep=0.25)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.report_only:
        run = RunResult.load(arguments.results)
    else:
        run = _measure(arguments, argv)
        run.save(arguments.results)
    write_report(run, arguments.output, arguments.charts)
    print(f"wrote {arguments.output} and charts in {arguments.charts}", file=sys.stderr)
    return 1 if run.wsgi.status == "failed" else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--smoke", action="store_true", help="about a second per scenario")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 5)")
    parser.add_argument("--duration", type=int, help="seconds of load per row and round")
    parser.add_argument(
        "--scenarios", default="1,2,3,4,5,6,7,8", help="comma-separated scenario numbers"
    )
    parser.add_argument(
        "--connections", type=int, help="wrk connections, instead of each scenario's own"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--charts", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "runs" / "latest.json")
    parser.add_argument("--report-only", action="store_true", help="rebuild from --results")
    return parser


def _measure(arguments: argparse.Namespace, argv: Sequence[str] | None) -> RunResult:
    preset = SMOKE if arguments.smoke else FULL
    pinned = (os.cpu_count() or 1) >= 2
    preset = replace(
        preset,
        rounds=arguments.rounds or preset.rounds,
        duration=arguments.duration or preset.duration,
    )
    options = RunOptions(
        preset=preset,
        server_cpu=0 if pinned else None,
        load_cpu=1 if pinned else None,
        smoke=arguments.smoke,
        scenarios=_numbers(arguments.scenarios),
        connections=arguments.connections,
    )
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    environment = describe_environment()  # before measuring: the code the servers load
    scenarios = run_scenarios(options)
    if WSGI_SCENARIO in options.scenarios:
        wsgi = run_wsgi_figures(arguments.smoke, timeout=60 if arguments.smoke else 3600)
    else:
        wsgi = WsgiResult("skipped", COMMAND, "Not run: scenario 7 was not asked for.\n")
    environment["legato_changed_during_run"] = legato_digest() != environment["legato_digest"]
    if environment["legato_changed_during_run"]:
        print(
            "warning: legato/ changed while the suite ran; servers started at different "
            "times ran different code. Run it again on a quiet tree.",
            file=sys.stderr,
        )
    shown_argv = list(sys.argv[1:] if argv is None else argv)
    command = shlex.join([".venv/bin/python", "-m", "bench.run", *shown_argv])
    settings = {
        **asdict(preset),
        "server_cpu": options.server_cpu,
        "load_cpu": options.load_cpu,
        "scenarios": list(options.scenarios),
        "command": f"flock /tmp/legato-bench.lock {command}",
    }
    return RunResult(started, arguments.smoke, settings, environment, scenarios, wsgi)


def _numbers(text: str) -> tuple[int, ...]:
    known = {scenario.number for scenario in SCENARIOS} | {WSGI_SCENARIO}
    numbers = tuple(int(part) for part in text.split(",") if part.strip())
    unknown = set(numbers) - known
    if unknown:
        raise SystemExit(
            f"Unknown scenario numbers {sorted(unknown)}; choose from {sorted(known)}."
        )
    return numbers


if __name__ == "__main__":
    raise SystemExit(main())

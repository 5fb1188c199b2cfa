"""Run the benchmark suite's smoke mode end to end, so the suite cannot rot (issue 5).

`python -m bench.run --smoke` starts every server of every scenario (on uvicorn, and on
granian for the rows issue 18 added), checks each one's answers (for the feed page,
after logging its users in), loads the floor, Legato and Starlette rows on either server
(and the feed page's Django row) with wrk for about a second each, and writes the
report and its charts, here into a temporary directory.
There are no thresholds: one-second figures mean nothing. The test checks that every
scenario produced numbers and that the page and every chart were written. It runs under
the benchmark lock, like every benchmark, and skips if another benchmark holds it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.servers import require_binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LOCK = "/tmp/legato-bench.lock"
LOCK_WAIT_SECONDS = 120
LOCK_BUSY = 75  # flock's exit status with -E when the wait runs out
SCENARIOS = {
    1: "hello-json",
    2: "path-query",
    3: "slow-1000",
    4: "url-table",
    5: "sync-view",
    6: "middleware",
    8: "feed-page",
}
MEASURED_IN_SMOKE = ("floor", "legato", "starlette")
# Rows on granian (issue 18) that the smoke run must measure, by scenario.
GRANIAN_MEASURED = {
    1: ("floor-granian", "legato-granian", "starlette-granian"),
    2: ("floor-granian", "legato-granian", "starlette-granian"),
    3: ("floor-granian", "legato-granian"),
    6: ("legato-granian", "legato-mw-granian"),
}
BENCH_PACKAGES = ("starlette", "fastapi", "litestar", "django", "matplotlib", "granian")


def require_bench_packages() -> None:
    missing = [name for name in BENCH_PACKAGES if importlib.util.find_spec(name) is None]
    if not missing:
        return
    message = f"the bench extra is not installed (missing {', '.join(missing)}): " + (
        "pip install -e '.[bench]'"
    )
    if os.environ.get("LEGATO_REQUIRE_INTEGRATION"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run_smoke(output: Path) -> subprocess.CompletedProcess[str]:
    command = [
        require_binary("flock", "util-linux"),
        "-E",
        str(LOCK_BUSY),
        "-w",
        str(LOCK_WAIT_SECONDS),
        LOCK,
        sys.executable,
        "-m",
        "bench.run",
        "--smoke",
        "--output",
        str(output / "benchmarks.md"),
        "--charts",
        str(output / "charts"),
        "--results",
        str(output / "results.json"),
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=400)


def measured_rounds(scenario: dict[str, Any]) -> dict[str, list[Any]]:
    return {row["key"]: row["rounds"] for row in scenario["rows"]}


@pytest.mark.timeout(LOCK_WAIT_SECONDS + 300)
def test_smoke_run_measures_every_scenario_and_writes_the_report(tmp_path: Path) -> None:
    require_binary("wrk", "wrk")
    require_binary("taskset", "util-linux")
    require_bench_packages()

    done = run_smoke(tmp_path)

    if done.returncode == LOCK_BUSY:
        pytest.skip(f"another benchmark held {LOCK} for {LOCK_WAIT_SECONDS} s")
    assert done.returncode == 0, done.stderr[-6000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["smoke"] is True
    assert [scenario["number"] for scenario in results["scenarios"]] == list(SCENARIOS)
    for scenario in results["scenarios"]:
        for key, rounds in measured_rounds(scenario).items():
            if key.split("@")[0].split("-")[0] in MEASURED_IN_SMOKE:
                assert rounds[0] is not None, (scenario["number"], key)
                assert rounds[0]["requests"] > 0, (scenario["number"], key)
    page = (tmp_path / "benchmarks.md").read_text()
    for number, slug in SCENARIOS.items():
        assert f"\n## {number}. " in page
        assert f"charts/{slug}.png" in page
        assert (tmp_path / "charts" / f"{slug}.png").read_bytes().startswith(b"\x89PNG")
    assert page.index("\n## 7. ") < page.index("\n## 8. ")  # sections in number order
    feed_table = page.split("\n## 8. ")[1].split("\n## ")[0]
    assert "| app | server | req/s | p50 | p99 | vs Django | errors |" in feed_table
    feed = next(scenario for scenario in results["scenarios"] if scenario["number"] == 8)
    for key, rounds in measured_rounds(feed).items():  # Django's row is the comparison
        assert rounds[0] is not None, key
        assert rounds[0]["requests"] > 0, key
    check_granian_rows(results, page)


def check_granian_rows(results: dict[str, Any], page: str) -> None:
    by_number = {scenario["number"]: scenario for scenario in results["scenarios"]}
    for number, keys in GRANIAN_MEASURED.items():
        rounds = measured_rounds(by_number[number])
        for key in keys:
            assert rounds[key][0] is not None, (number, key)
            assert rounds[key][0]["requests"] > 0, (number, key)
    hello = page.split("\n## 1. ")[1].split("\n## ")[0]
    assert "| vs uvicorn floor | vs granian floor |" in hello
    assert "| Legato | granian |" in hello
    assert "-m granian --interface asgi" in page
    assert "hello JSON on granian: Legato >= 0.90x the floor on granian" in page

"""bench/targets.py reads issue 18's targets from the granian rows (no servers started).

The summaries here are made up; what is checked is which rows a target reads, and that a
target whose rows were not measured says so instead of passing.
"""

from __future__ import annotations

from bench.scenarios import HELLO_JSON, SLOW_REQUESTS, Row
from bench.stats import RowSummary
from bench.targets import TargetCheck, check_targets
from bench.variants import LEGATO, on_granian


def summary(row: Row, rps: float, **ratios: float) -> RowSummary:
    fields = {
        "vs_floor": None,
        "vs_granian_floor": None,
        "vs_starlette": None,
        "vs_baseline": None,
        **ratios,
    }
    return RowSummary(row, 1, rps, 1.0, 2.0, 0, process=None, **fields)


def find(checks: list[TargetCheck], words: str) -> TargetCheck:
    return next(check for check in checks if words in check.target)


def test_fastest_legato_target_reads_the_fastest_row_compared_with_legato_on_uvicorn() -> None:
    on_uvicorn = HELLO_JSON.row(LEGATO.key)
    on_granian_row = HELLO_JSON.row(on_granian(LEGATO).key)
    summaries = {
        1: {
            LEGATO.key: summary(on_uvicorn, 20_000.0),
            on_granian_row.key: summary(on_granian_row, 33_000.0, vs_baseline=1.65),
        }
    }

    check = find(check_targets(summaries, 1.0), "fastest configuration")

    assert check.met is True
    assert check.measured == "1.650x (Legato on granian)"


def test_fastest_legato_target_fails_below_one_and_a_half() -> None:
    on_granian_row = HELLO_JSON.row(on_granian(LEGATO).key)
    summaries = {
        1: {
            LEGATO.key: summary(HELLO_JSON.row(LEGATO.key), 20_000.0),
            on_granian_row.key: summary(on_granian_row, 28_000.0, vs_baseline=1.4),
        }
    }

    assert find(check_targets(summaries, 1.0), "fastest configuration").met is False


def test_granian_targets_read_the_ratio_to_the_floor_on_granian() -> None:
    row = HELLO_JSON.row(on_granian(LEGATO).key)
    summaries = {1: {row.key: summary(row, 30_000.0, vs_floor=1.2, vs_granian_floor=0.85)}}

    check = find(check_targets(summaries, 1.0), "hello JSON on granian")

    assert (check.measured, check.met) == ("0.850x", False)


def test_granian_targets_without_granian_rows_are_not_measured() -> None:
    row = SLOW_REQUESTS.row(LEGATO.key)
    summaries = {3: {row.key: summary(row, 1_000.0, vs_floor=1.0)}}

    checks = [check for check in check_targets(summaries, 1.0) if "granian" in check.target]

    assert checks
    assert all(check.met is None and check.measured == "not measured" for check in checks)

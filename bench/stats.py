"""Reduce a scenario's rounds to one line per row: medians, and ratios taken per round.

A ratio is computed inside each round (row / reference, both measured in that round)
and the median of those ratios is reported, so a slow patch of the machine that hits
one round hits both sides of the ratio. Medians of requests/s and latency are over the
rounds the row took part in. Every row is compared with both floors when the scenario
has them: the bare app on uvicorn (`vs_floor`) and on granian (`vs_granian_floor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from bench.results import ProcessSummary, RowResult, ScenarioResult
from bench.scenarios import Row, Scenario
from bench.variants import FLOOR, on_granian
from bench.wrk import WrkResult

__all__ = ["GRANIAN_FLOOR", "UVICORN_FLOOR", "RowSummary", "summarize"]

UVICORN_FLOOR = FLOOR.key
GRANIAN_FLOOR = on_granian(FLOOR).key


@dataclass(frozen=True, slots=True)
class RowSummary:
    row: Row
    rounds: int
    rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    vs_floor: float | None  # the floor on uvicorn
    vs_granian_floor: float | None
    vs_starlette: float | None
    vs_baseline: float | None
    process: ProcessSummary | None


def summarize(scenario: Scenario, result: ScenarioResult) -> dict[str, RowSummary]:
    return {row.key: _summary(row, result) for row in scenario.rows if row.key in result.rows}


def _summary(row: Row, result: ScenarioResult) -> RowSummary:
    own = result.rows[row.key]
    measured = [r for r in own.rounds if r is not None]
    return RowSummary(
        row=row,
        rounds=len(measured),
        rps=_median([r.rps for r in measured]),
        p50_ms=_median([r.p50_ms for r in measured]),
        p99_ms=_median([r.p99_ms for r in measured]),
        errors=sum(r.errors + r.timeouts for r in measured),
        vs_floor=_ratio(own, result.rows.get(UVICORN_FLOOR)),
        vs_granian_floor=_ratio(own, result.rows.get(GRANIAN_FLOOR)),
        vs_starlette=_ratio(own, result.rows.get(row.starlette or "")),
        vs_baseline=_ratio(own, result.rows.get(row.baseline or "")),
        process=own.process,
    )


def _ratio(row: RowResult, reference: RowResult | None) -> float | None:
    if reference is None:
        return None
    ratios = [
        _rate(mine) / _rate(theirs)
        for mine, theirs in zip(row.rounds, reference.rounds, strict=True)
        if _rate(mine) and _rate(theirs)
    ]
    return _median(ratios)


def _rate(result: WrkResult | None) -> float:
    return 0.0 if result is None else result.rps


def _median(values: list[float]) -> float | None:
    return median(values) if values else None

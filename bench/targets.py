"""Check the issue's targets against one run; the thresholds live here, not in tests.

Each target reads one number from the scenario summaries and says whether it is met.
A target whose rows were not measured (a partial or smoke run) says so instead of
passing. The p99 bound for slow requests scales with the sleep the run used. Issue 18's
targets read the rows on granian: ratios to the floor on granian, and the fastest
Legato row of hello JSON against Legato on uvicorn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bench.stats import RowSummary
from bench.variants import LEGATO, on_granian

__all__ = ["TargetCheck", "check_targets"]

Summaries = Mapping[int, Mapping[str, RowSummary]]
LEGATO_ON_GRANIAN = on_granian(LEGATO).key
FASTEST_MINIMUM = 1.5


@dataclass(frozen=True, slots=True)
class TargetCheck:
    scenario: int
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


def _get(summaries: Summaries, scenario: int, key: str) -> RowSummary | None:
    return summaries.get(scenario, {}).get(key)


def _ratio_target(
    scenario: int, key: str, field: str, minimum: float, text: str
) -> Callable[[Summaries, float], TargetCheck]:
    def check(summaries: Summaries, sleep: float) -> TargetCheck:
        row = _get(summaries, scenario, key)
        value = None if row is None else getattr(row, field)
        if value is None:
            return TargetCheck(scenario, text, "not measured", None)
        return TargetCheck(scenario, text, f"{value:.3f}x", value >= minimum)

    return check


def _slow_p99(summaries: Summaries, sleep: float) -> TargetCheck:
    bound = sleep * 1.15
    text = f"1,000 slow requests: Legato p99 <= {bound:.2f} s"
    row = _get(summaries, 3, "legato")
    if row is None or row.p99_ms is None:
        return TargetCheck(3, text, "not measured", None)
    return TargetCheck(3, text, f"{row.p99_ms / 1000:.3f} s", row.p99_ms / 1000 <= bound)


def _slow_rss(summaries: Summaries, sleep: float) -> TargetCheck:
    text = "1,000 slow requests: Legato's RSS growth <= Starlette's"
    mine, theirs = _get(summaries, 3, "legato"), _get(summaries, 3, "starlette")
    if mine is None or theirs is None or mine.process is None or theirs.process is None:
        return TargetCheck(3, text, "not measured", None)
    grown, limit = mine.process.rss_growth_mib, theirs.process.rss_growth_mib
    return TargetCheck(3, text, f"+{grown:.1f} MiB vs +{limit:.1f} MiB", grown <= limit)


def _slow_threads(key: str, text: str) -> Callable[[Summaries, float], TargetCheck]:
    def check(summaries: Summaries, sleep: float) -> TargetCheck:
        row = _get(summaries, 3, key)
        if row is None or row.process is None:
            return TargetCheck(3, text, "not measured", None)
        added = row.process.threads_added
        return TargetCheck(3, text, f"{added:+d} threads", added == 0)

    return check


def _fastest_legato(summaries: Summaries, sleep: float) -> TargetCheck:
    """Of the rows compared with Legato on uvicorn in hello JSON, the fastest one's ratio."""
    text = f"hello JSON: Legato's fastest configuration >= {FASTEST_MINIMUM}x Legato on uvicorn"
    rivals = [
        row
        for row in summaries.get(1, {}).values()
        if row.row.baseline == LEGATO.key and row.rps is not None and row.vs_baseline is not None
    ]
    if _get(summaries, 1, LEGATO.key) is None or not rivals:
        return TargetCheck(1, text, "not measured", None)
    fastest = max(rivals, key=lambda row: row.rps or 0.0)
    ratio = fastest.vs_baseline or 0.0
    shown = f"{ratio:.3f}x ({fastest.row.label} on {fastest.row.variant.server})"
    return TargetCheck(1, text, shown, ratio >= FASTEST_MINIMUM)


TARGETS: tuple[Callable[[Summaries, float], TargetCheck], ...] = (
    _ratio_target(1, "legato", "vs_floor", 0.80, "hello JSON: Legato >= 0.80x the floor"),
    _ratio_target(1, "legato", "vs_starlette", 1.30, "hello JSON: Legato >= 1.3x Starlette"),
    _ratio_target(2, "legato", "vs_floor", 0.80, "path + query: Legato >= 0.80x the floor"),
    _ratio_target(3, "legato", "vs_floor", 0.98, "1,000 slow requests: Legato >= 0.98x the floor"),
    _slow_p99,
    _slow_rss,
    _slow_threads("legato", "1,000 slow requests: zero OS threads added (async views)"),
    _ratio_target(4, "legato@1000", "vs_baseline", 0.90, "1,000 routes: >= 0.90x the rate with 10"),
    _ratio_target(
        4,
        "legato@1000-converter-first",
        "vs_baseline",
        0.90,
        "1,000 converter-first routes: >= 0.90x the rate with 10",
    ),
    _ratio_target(
        6, "legato-mw", "vs_baseline", 0.85, "default middleware costs <= 15% of throughput"
    ),
    _ratio_target(
        5, "legato-sync", "vs_baseline", 0.50, "sync view under ASGI >= 0.5x an async view"
    ),
    _ratio_target(
        1,
        LEGATO_ON_GRANIAN,
        "vs_granian_floor",
        0.90,
        "hello JSON on granian: Legato >= 0.90x the floor on granian",
    ),
    _ratio_target(
        2,
        LEGATO_ON_GRANIAN,
        "vs_granian_floor",
        0.90,
        "path + query on granian: Legato >= 0.90x the floor on granian",
    ),
    _fastest_legato,
    _ratio_target(
        3,
        LEGATO_ON_GRANIAN,
        "vs_granian_floor",
        0.98,
        "1,000 slow requests on granian: Legato >= 0.98x the floor on granian",
    ),
    _slow_threads(
        LEGATO_ON_GRANIAN, "1,000 slow requests on granian: zero OS threads added (async views)"
    ),
)


def check_targets(summaries: Summaries, sleep: float) -> list[TargetCheck]:
    return [target(summaries, sleep) for target in TARGETS]

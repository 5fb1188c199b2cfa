"""Draw one PNG per scenario: median requests/s per row, labelled with its floor ratio.

The slow-requests scenario gets a second panel with the OS threads each server added
and its RSS growth, the two numbers that separate an async stack from a threaded one.
Legato's rows are drawn in one colour, the floor in grey, the anchors in a third.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.scenarios import Scenario
from bench.stats import RowSummary

__all__ = ["draw_chart"]

LEGATO_COLOUR = "#d1495b"
FLOOR_COLOUR = "#8d8d8d"
ANCHOR_COLOUR = "#3c6e91"


def draw_chart(scenario: Scenario, rows: Mapping[str, RowSummary], file: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = [row for row in rows.values() if row.rps is not None]
    panels = 2 if scenario.slow else 1
    figure, axes = pyplot.subplots(
        1, panels, figsize=(7 * panels, 0.45 * len(shown) + 1.6), squeeze=False
    )
    _throughput(axes[0][0], shown, scenario.baseline_label)
    if scenario.slow:
        _threads_and_memory(axes[0][1], shown)
    figure.suptitle(f"{scenario.number}. {scenario.title}")
    figure.tight_layout()
    file.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(file, dpi=110)
    pyplot.close(figure)


def _colour(row: RowSummary) -> str:
    if row.row.key == "floor":
        return FLOOR_COLOUR
    return LEGATO_COLOUR if row.row.variant.key.startswith("legato") else ANCHOR_COLOUR


def _throughput(axis: Any, rows: list[RowSummary], baseline_label: str | None) -> None:
    labels = [row.row.label for row in rows]
    values = [row.rps or 0.0 for row in rows]
    bars = axis.barh(labels, values, color=[_colour(row) for row in rows])
    axis.invert_yaxis()
    axis.set_xlabel("requests/s (median of rounds)")
    for bar, row in zip(bars, rows, strict=True):
        note = _ratio_note(row, baseline_label)
        axis.annotate(
            f"{row.rps or 0:,.0f}{note}",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axis.margins(x=0.35)


def _ratio_note(row: RowSummary, baseline_label: str | None) -> str:
    """The floor ratio; in a scenario without a floor, the ratio to its baseline row."""
    if row.vs_floor is not None:
        return f" {row.vs_floor:.2f}x floor"
    if row.vs_baseline is not None and baseline_label:
        return f" {row.vs_baseline:.2f}x {baseline_label.removeprefix('vs ')}"
    return ""


def _threads_and_memory(axis: Any, rows: list[RowSummary]) -> None:
    with_process = [row for row in rows if row.process is not None]
    labels = [row.row.label for row in with_process]
    threads = [row.process.threads_added for row in with_process if row.process]
    memory = [row.process.rss_growth_mib for row in with_process if row.process]
    positions = range(len(labels))
    for offset, values, name, unit in (
        (-0.2, threads, "OS threads added", "{:+.0f} threads"),
        (0.2, memory, "RSS growth (MiB)", "{:+.1f} MiB"),
    ):
        bars = axis.barh([p + offset for p in positions], values, height=0.4, label=name)
        for bar, value in zip(bars, values, strict=True):
            axis.annotate(
                unit.format(value),
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    axis.set_yticks(list(positions), labels)
    axis.invert_yaxis()
    axis.set_xscale("symlog")
    axis.margins(x=0.3)
    axis.legend(loc="best", fontsize=8)
    axis.set_xlabel("added while serving (log scale)")

"""Draw one PNG per scenario: median requests/s per row, labelled with its floor ratio.

The slow-requests scenario gets a second panel with the OS threads each server added
and its RSS growth, the two numbers that separate an async stack from a threaded one.
Legato's rows are drawn in one colour, the floors in grey, the anchors in a third. In a
scenario with rows on more than one HTTP server each label names its server, rows on
granian are hatched, and each row's floor ratio is to the floor on its own server.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.scenarios import Scenario
from bench.stats import GRANIAN_FLOOR, UVICORN_FLOOR, RowSummary
from bench.variants import GRANIAN

__all__ = ["draw_chart"]

LEGATO_COLOUR = "#d1495b"
FLOOR_COLOUR = "#8d8d8d"
ANCHOR_COLOUR = "#3c6e91"


def draw_chart(scenario: Scenario, rows: Mapping[str, RowSummary], file: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = [row for row in rows.values() if row.rps is not None]
    labels = _labels(shown)
    panels = 2 if scenario.slow else 1
    figure, axes = pyplot.subplots(
        1, panels, figsize=(7 * panels, 0.45 * len(shown) + 1.6), squeeze=False
    )
    _throughput(axes[0][0], shown, labels, scenario.baseline_label)
    if scenario.slow:
        _threads_and_memory(axes[0][1], shown, labels)
    figure.suptitle(f"{scenario.number}. {scenario.title}")
    figure.tight_layout()
    file.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(file, dpi=110)
    pyplot.close(figure)


def _labels(rows: list[RowSummary]) -> list[str]:
    """Each row's label, naming its HTTP server when the rows use more than one."""
    if len({row.row.variant.server for row in rows}) < 2:
        return [row.row.label for row in rows]
    return [f"{row.row.label} on {row.row.variant.server}" for row in rows]


def _colour(row: RowSummary) -> str:
    if row.row.key in (UVICORN_FLOOR, GRANIAN_FLOOR):
        return FLOOR_COLOUR
    return LEGATO_COLOUR if row.row.variant.key.startswith("legato") else ANCHOR_COLOUR


def _throughput(
    axis: Any, rows: list[RowSummary], labels: list[str], baseline_label: str | None
) -> None:
    values = [row.rps or 0.0 for row in rows]
    bars = axis.barh(labels, values, color=[_colour(row) for row in rows])
    for bar, row in zip(bars, rows, strict=True):
        if row.row.variant.server == GRANIAN:
            bar.set_hatch("//")
    axis.invert_yaxis()
    mixed = len({row.row.variant.server for row in rows}) > 1
    axis.set_xlabel(
        "requests/s (median of rounds)"
        + ("\nx floor: the floor on the same server" if mixed else "")
    )
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
    """The ratio to the floor on the row's server; without that floor, to its baseline."""
    own_floor = row.vs_granian_floor if row.row.variant.server == GRANIAN else row.vs_floor
    if own_floor is not None:
        return f" {own_floor:.2f}x floor"
    if row.vs_baseline is not None and baseline_label:
        return f" {row.vs_baseline:.2f}x {baseline_label.removeprefix('vs ')}"
    return ""


def _threads_and_memory(axis: Any, rows: list[RowSummary], all_labels: list[str]) -> None:
    with_process = [row for row in rows if row.process is not None]
    labels = [label for row, label in zip(rows, all_labels, strict=True) if row.process is not None]
    threads = [row.process.threads_added for row in with_process if row.process is not None]
    memory = [row.process.rss_growth_mib for row in with_process if row.process is not None]
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

"""Hold what a run measured, and save or load it as JSON (bench/runs/ by default).

The report is always written from these values, so `python -m bench.run --report-only`
can rebuild docs/benchmarks.md and the charts from a saved run without measuring again.
A round a row did not take part in (the smoke run measures a subset) is `None`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.wrk import WrkResult

__all__ = ["ProcessSummary", "RowResult", "RunResult", "ScenarioResult", "WsgiResult"]


@dataclass(slots=True)
class ProcessSummary:
    baseline_rss_kib: int
    baseline_threads: int
    peak_rss_kib: int
    peak_threads: int

    @property
    def rss_growth_mib(self) -> float:
        return (self.peak_rss_kib - self.baseline_rss_kib) / 1024

    @property
    def threads_added(self) -> int:
        return self.peak_threads - self.baseline_threads


@dataclass(slots=True)
class RowResult:
    key: str
    rounds: list[WrkResult | None] = field(default_factory=list)
    process: ProcessSummary | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rounds": [None if r is None else r.to_json() for r in self.rounds],
            "process": None if self.process is None else asdict(self.process),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowResult:
        process = data.get("process")
        return cls(
            key=data["key"],
            rounds=[None if r is None else WrkResult.from_json(r) for r in data["rounds"]],
            process=None if process is None else ProcessSummary(**process),
        )


@dataclass(slots=True)
class ScenarioResult:
    number: int
    rounds: int
    duration: int
    connections: int
    wrk_command: list[str]
    server_commands: dict[str, list[str]]
    rows: dict[str, RowResult]

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["rows"] = [row.to_json() for row in self.rows.values()]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScenarioResult:
        rows = [RowResult.from_json(row) for row in data["rows"]]
        return cls(**{**data, "rows": {row.key: row for row in rows}})


@dataclass(slots=True)
class WsgiResult:
    status: str  # "pending", "ok" or "failed"
    command: list[str]
    markdown: str


@dataclass(slots=True)
class RunResult:
    started: str
    smoke: bool
    settings: dict[str, Any]
    environment: dict[str, Any]
    scenarios: list[ScenarioResult]
    wsgi: WsgiResult

    def save(self, file: Path) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "started": self.started,
            "smoke": self.smoke,
            "settings": self.settings,
            "environment": self.environment,
            "scenarios": [s.to_json() for s in self.scenarios],
            "wsgi": asdict(self.wsgi),
        }
        file.write_text(json.dumps(data, indent=1) + "\n")

    @classmethod
    def load(cls, file: Path) -> RunResult:
        data = json.loads(file.read_text())
        return cls(
            started=data["started"],
            smoke=data["smoke"],
            settings=data["settings"],
            environment=data["environment"],
            scenarios=[ScenarioResult.from_json(s) for s in data["scenarios"]],
            wsgi=WsgiResult(**data["wsgi"]),
        )

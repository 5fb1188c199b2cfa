"""Drive one server with wrk, pinned to the load core, and read its summary.

wrk runs with one thread (the load generator has one core) and `report.lua`, which
prints the summary as JSON; nothing parses wrk's text output. A timeout of 10 s keeps
slow answers in the latency figures instead of counting them as errors. A scenario can
give another script that loads report.lua itself (`feed.lua`), with arguments for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FEED_SCRIPT",
    "SCRIPT",
    "WrkError",
    "WrkResult",
    "run_wrk",
    "wrk_command",
    "wrk_version",
]

SCRIPT = Path(__file__).resolve().parent / "report.lua"
FEED_SCRIPT = Path(__file__).resolve().parent / "feed.lua"
MARKER = "WRK-JSON "


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no summary."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rps": self.rps}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WrkResult:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def wrk_command(
    url: str,
    connections: int,
    duration: int,
    cpu: int | None,
    script: Path = SCRIPT,
    script_args: Sequence[str] = (),
) -> list[str]:
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    arguments = ["--", *script_args] if script_args else []
    return [
        *pin,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        *arguments,
    ]


def run_wrk(
    url: str,
    connections: int,
    duration: int,
    cpu: int | None,
    script: Path = SCRIPT,
    script_args: Sequence[str] = (),
) -> WrkResult:
    command = wrk_command(url, connections, duration, cpu, script, script_args)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise WrkError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr}")
    return parse_summary(done.stdout)


def parse_summary(output: str) -> WrkResult:
    for line in output.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            break
    else:
        raise WrkError(f"wrk printed no {MARKER.strip()} line; its output:\n{output}")
    us = 1000.0
    return WrkResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / us,
        p90_ms=data["p90_us"] / us,
        p99_ms=data["p99_us"] / us,
        max_ms=data["max_us"] / us,
        errors=sum(data[k] for k in ("connect_errors", "read_errors", "write_errors"))
        + data["status_errors"],
        timeouts=data["timeouts"],
    )


def wrk_version() -> str:
    if shutil.which("wrk") is None:
        return "wrk not installed"
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip()

"""Run scenario 7, the WSGI figures, through the WSGI suite's own command.

`bench/wsgi/` belongs to the WSGI issue. When it exists, this runs
`python -m bench.wsgi.run` in a child process while the suite already holds the
benchmark lock (LEGATO_BENCH_LOCK_HELD=1 tells it so; it must not take the lock again)
and embeds what it prints on stdout, Markdown, in the report. LEGATO_BENCH_SMOKE=1
asks it for its short smoke run. Until it exists, the report keeps a TODO row.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.results import WsgiResult
from bench.servers import ROOT

__all__ = ["COMMAND", "run_wsgi_figures"]

COMMAND = [sys.executable, "-m", "bench.wsgi.run"]

PENDING = (
    "| scenario | status |\n"
    "|---|---|\n"
    "| 7. WSGI figures under gunicorn, beside Django's | **TODO, pending**: `bench/wsgi/` "
    "(the WSGI issue) has not landed; `make bench` will run `python -m bench.wsgi.run` "
    "here once it exists. |\n"
)


def run_wsgi_figures(smoke: bool, timeout: float) -> WsgiResult:
    if not (ROOT / "bench" / "wsgi" / "run.py").exists():
        return WsgiResult("pending", COMMAND, PENDING)
    environment = {**os.environ, "LEGATO_BENCH_LOCK_HELD": "1"}
    if smoke:
        environment["LEGATO_BENCH_SMOKE"] = "1"
    try:
        done = subprocess.run(
            COMMAND, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return WsgiResult("failed", COMMAND, f"`{_shown()}` did not finish in {timeout:g} s.\n")
    if done.returncode != 0:
        tail = done.stderr.strip()[-3000:]
        text = f"`{_shown()}` exited with {done.returncode}:\n\n```\n{tail}\n```\n"
        return WsgiResult("failed", COMMAND, text)
    return WsgiResult("ok", COMMAND, done.stdout)


def _shown() -> str:
    return "python -m bench.wsgi.run"

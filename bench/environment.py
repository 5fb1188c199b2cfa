"""Describe the machine and software a run measured, for the report's first table.

Absolute figures only mean something next to these facts; the ratios are the claim.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.servers import ROOT
from bench.wrk import wrk_version

__all__ = ["PACKAGES", "describe_environment", "legato_digest"]

PACKAGES = (
    "legato",
    "uvicorn",
    "granian",
    "httptools",
    "uvloop",
    "starlette",
    "fastapi",
    "pydantic",
    "litestar",
    "django",
    "asgiref",
    "orjson",
    "gunicorn",
    "matplotlib",
)


def describe_environment() -> dict[str, Any]:
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "kernel": f"{platform.system()} {platform.release()}",
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 1,
        "wrk": wrk_version(),
        "legato_commit": _git_commit(),
        "legato_digest": legato_digest(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def legato_digest() -> str:
    """A hash of legato/'s sources, to notice the code changing under a running suite."""
    digest = hashlib.sha256()
    for file in sorted((ROOT / "legato").rglob("*.py")):
        digest.update(str(file.relative_to(ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    for line in lines:
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return "unknown"


def _git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "legato"))
    return f"{commit} + uncommitted changes to legato/" if dirty else commit

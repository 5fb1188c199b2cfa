"""The comparison in docs/check.md, measured: what ruff's ASYNC rules and the check find."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import CodeType, ModuleType

import pytest

from legato.check import Checker, Project, Target

CASES = Path(__file__).parent / "fixture_project" / "ruff_comparison.py"


def marked(*kinds: str) -> set[int]:
    lines = CASES.read_text().splitlines()
    return {
        number
        for number, line in enumerate(lines, start=1)
        if (match := re.search(r"  # (\w+)$", line)) and match.group(1) in kinds
    }


def test_legato_check_finds_what_the_docs_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "requests", ModuleType("requests"))  # only imported
    code = compile(CASES.read_text(), str(CASES), "exec")
    namespace: dict[str, object] = {"__name__": "ruff_comparison"}
    exec(code, namespace)
    view = next(c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == "view")
    checker = Checker(Project(CASES.parent, excluded=()))
    findings = checker.check([Target(view, namespace, "view")])
    assert {finding.line for finding in findings} == marked("both", "legato")
    assert len(findings) == 15


RUFF_ASYNC = ["check", "--isolated", "--select", "ASYNC", "--output-format", "concise"]


def test_ruff_async_rules_find_what_the_docs_say() -> None:
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", *RUFF_ASYNC, str(CASES)],
        capture_output=True,
        text=True,
        check=False,
    )
    if "No module named ruff" in ruff.stderr:
        pytest.skip("ruff is not installed")
    rows = {int(match) for match in re.findall(r"ruff_comparison\.py:(\d+):", ruff.stdout)}
    assert rows == marked("both")

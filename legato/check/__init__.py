"""Find the classic async mistakes in an app's views before they run: `legato check`.

The check reads source, it never calls a view: it builds the app (as `legato check`
always did), lists what runs per request (targets.py), and checks each function's
syntax tree with the rules (rules.py, analysis.py), following the project's own
helpers one level. Findings have stable codes (findings.py, documented in
docs/check.md) and print as ruff's do (output.py). Only the project's code is read
(project.py): installed packages, the standard library and Legato are not the user's.
"""

from __future__ import annotations

from typing import Any

from legato.check.checker import Checker
from legato.check.findings import RULES, Finding, Rule
from legato.check.output import as_json, as_text
from legato.check.project import Project
from legato.check.targets import Target, targets_of

__all__ = [
    "RULES",
    "Checker",
    "Finding",
    "Project",
    "Rule",
    "Target",
    "as_json",
    "as_text",
    "check_app",
    "targets_of",
]


def check_app(app: Any, project: Project) -> list[Finding]:
    """Build `app` and return the async mistakes in the project's views and middleware."""
    app.build()
    return Checker(project).check(targets_of(app))

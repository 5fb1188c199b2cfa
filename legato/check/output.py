"""Print findings the way ruff does: one `path:line:col: CODE message` line each, or JSON.

The JSON keeps ruff's field names (`code`, `message`, `filename`, `location.row`,
`location.column`) so tools that read ruff's output read Legato's, and adds `view` and
`severity`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from legato.check.findings import Finding

__all__ = ["as_json", "as_text"]


def as_text(findings: Sequence[Finding]) -> str:
    lines = [
        f"{_shown(finding.path)}:{finding.line}:{finding.column}: {finding.code} "
        f"{finding.message} (view: {finding.view})"
        for finding in findings
    ]
    count = len(findings)
    lines.append(f"Found {count} problem{'s' if count != 1 else ''}.")
    return "\n".join(lines)


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        [
            {
                "code": finding.code,
                "message": finding.message,
                "filename": str(finding.path),
                "location": {"row": finding.line, "column": finding.column},
                "view": finding.view,
                "severity": finding.rule.severity,
            }
            for finding in findings
        ],
        indent=2,
    )


def _shown(path: Path) -> str:
    """Relative to the working directory when under it, as ruff shows paths."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:  # another drive, on Windows
        return str(path)

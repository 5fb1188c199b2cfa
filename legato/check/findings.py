"""Name every mistake `legato check` reports: a stable code, a severity and a finding.

Codes never change meaning once released: scripts and `# noqa: CODE` comments rely on
them. 1xx are blocking calls on the event loop, 2xx coroutines that never run, 3xx
mistakes at the sync/async boundary, 4xx advice. docs/check.md documents each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["RULES", "Finding", "Rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: str  # "error", "warning" (often harmless) or "advice"
    summary: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("LGT101", "blocking-sleep", "error", "`time.sleep()` in async code"),
        Rule("LGT102", "blocking-http", "error", "a sync HTTP client in async code"),
        Rule("LGT103", "blocking-socket", "error", "a blocking socket call in async code"),
        Rule("LGT104", "blocking-subprocess", "error", "waiting for a process in async code"),
        Rule("LGT105", "blocking-database", "error", "a sync database driver in async code"),
        Rule("LGT106", "blocking-file", "warning", "reading or writing a file in async code"),
        Rule("LGT201", "coroutine-never-awaited", "error", "a coroutine created and dropped"),
        Rule("LGT301", "async-to-sync-in-async", "error", "`async_to_sync` in async code"),
        Rule(
            "LGT302",
            "coroutine-in-sync-code",
            "error",
            "an async function called from sync code without `async_to_sync`",
        ),
        Rule(
            "LGT401",
            "sync-view-only-async-io",
            "advice",
            "a sync function whose I/O all goes through `async_to_sync`",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One mistake at one place; `view` names the view or middleware it was found from."""

    path: Path
    line: int
    column: int  # 1-based, in characters, as ruff counts them
    code: str
    message: str
    view: str

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def key(self) -> tuple[Path, int, int, str]:
        """Where and what: a helper shared by two views is reported once."""
        return self.path, self.line, self.column, self.code

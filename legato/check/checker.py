"""Run the rules over every target of an app and gather the findings, each once.

`Checker` owns the caches (one parse per file, one Scope per function) and the findings;
a `ViewCheck` (analysis.py) checks one target and the helpers it calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any

from legato.check.analysis import Context, ViewCheck
from legato.check.findings import Finding
from legato.check.project import Project
from legato.check.scope import Scope
from legato.check.source import SourceFile
from legato.check.targets import Target
from legato.exceptions import ImproperlyConfigured

__all__ = ["Checker"]


class Checker:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._files: dict[str, SourceFile | None] = {}
        self._scopes: dict[tuple[CodeType, type | None, str | None], Scope | None] = {}
        self._findings: dict[tuple[Path, int, int, str], Finding] = {}

    def check(self, targets: Iterable[Target]) -> list[Finding]:
        """The findings of `targets` (those that are the project's code), in file order."""
        for target in targets:
            scope = self.scope(target.code, target.namespace, target.owner, target.first_argument)
            if scope is None:
                continue
            context = target.context or (
                Context.LOOP if isinstance(scope.node, ast.AsyncFunctionDef) else Context.THREAD
            )
            ViewCheck(self._helper_scope, self._reporter(target.name)).run(scope, context)
        return sorted(self._findings.values(), key=lambda finding: finding.key)

    def scope(
        self,
        code: CodeType,
        namespace: Mapping[str, Any],
        owner: type | None = None,
        first_argument: str | None = None,
    ) -> Scope | None:
        key = (code, owner, first_argument)
        if key not in self._scopes:
            source = self._source(code.co_filename, namespace)
            node = source.function(code) if source is not None else None
            found = None
            if source is not None and node is not None:
                found = Scope(source, node, namespace, owner, first_argument)
            self._scopes[key] = found
        return self._scopes[key]

    def _helper_scope(self, function: FunctionType, owner: type | None) -> Scope | None:
        return self.scope(function.__code__, function.__globals__, owner)

    def _source(self, filename: str, namespace: Mapping[str, Any]) -> SourceFile | None:
        if filename not in self._files:
            self._files[filename] = (
                _read(filename, namespace) if self.project.contains(filename) else None
            )
        return self._files[filename]

    def _reporter(self, view: str) -> Any:
        def report(scope: Scope, node: ast.AST, code: str, message: str) -> None:
            source = scope.source
            line = getattr(node, "lineno", 1)
            if source.suppressed(line, code):
                return
            column = source.column(node) if isinstance(node, ast.expr | ast.stmt) else 1
            finding = Finding(source.path, line, column, code, message, view)
            self._findings.setdefault(finding.key, finding)

        return report


def _read(filename: str, namespace: Mapping[str, Any]) -> SourceFile:
    module = str(namespace.get("__name__") or "")
    package = str(namespace.get("__package__") or module.rpartition(".")[0])
    try:
        return SourceFile.parse(Path(filename), module, package)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as exc:
        # The module imported, so its file changed since: ask for a fresh run.
        raise ImproperlyConfigured(
            f"cannot read {filename} ({type(exc).__name__}: {exc}); if it was edited "
            "since the app was imported, run the check again."
        ) from None

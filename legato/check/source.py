"""Read one module's source once: its syntax tree, imports, functions and noqa comments.

Names are resolved as written (`import time as t` makes `t.sleep` read `time.sleep`),
without running anything: the rules match what the code says, as ruff does.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

__all__ = ["FunctionNode", "SourceFile", "imported_names"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# ruff's syntax: a bare noqa comment silences every code on its line; `noqa: A1, B2` those.
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)


@dataclass
class SourceFile:
    path: Path
    module: str
    package: str
    tree: ast.Module
    lines: list[str]
    imports: dict[str, str] = field(init=False)
    bound: set[str] = field(init=False)  # names the module binds at top level
    _functions: dict[tuple[int, str], FunctionNode] = field(init=False)

    def __post_init__(self) -> None:
        self.imports = imported_names(self.tree.body, self.package)
        self.bound = _top_level_names(self.tree)
        self._functions = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # A code object's first line is its first decorator's, if it has any.
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                self._functions[(first, node.name)] = node

    @classmethod
    def parse(cls, path: Path, module: str, package: str) -> SourceFile:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        return cls(path, module, package, tree, text.splitlines())

    def function(self, code: CodeType) -> FunctionNode | None:
        """The `def` that compiled to `code`; None for lambdas and for edited files."""
        return self._functions.get((code.co_firstlineno, code.co_name))

    def column(self, node: ast.expr | ast.stmt) -> int:
        """ruff's 1-based column, in characters (ast counts UTF-8 bytes)."""
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        return len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace")) + 1

    def suppressed(self, line: int, code: str) -> bool:
        if not 0 < line <= len(self.lines):
            return False
        match = _NOQA.search(self.lines[line - 1])
        if match is None:
            return False
        codes = match.group("codes")
        return codes is None or code in re.split(r"[\s,]+", codes.upper())


def imported_names(body: list[ast.stmt], package: str) -> dict[str, str]:
    """Local name -> the dotted name it stands for, for every import in `body`'s tree."""
    names: dict[str, str] = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:  # `import a.b` binds `a`
                        top = alias.name.partition(".")[0]
                        names[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, package)
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{base}.{alias.name}".lstrip(".")
    return names


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    base = ".".join(parts[: len(parts) - node.level + 1]) if node.level <= len(parts) else ""
    return f"{base}.{node.module}" if node.module else base


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level (functions' and classes' own bodies are not walked)."""
    names: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names

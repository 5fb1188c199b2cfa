"""Know what the names in one function stand for: imports, locals and their types.

A `Scope` is one function as the rules see it: the module it was written in, the
module's namespace (to find the project's functions and classes), the class it belongs
to, and what the check can tell about the type of each local name, flow-insensitively:
`client = httpx.AsyncClient()`, `async with httpx.AsyncClient() as client`,
`session: AsyncSession`, `db = request.db`, and `self`.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from legato.check.calls import ASYNC_METHODS, ATTRIBUTE_TYPES, BLOCKING_METHODS, REQUEST
from legato.check.objects import (
    TypeRef,
    is_coroutine_function,
    live_object,
    member,
    plain_function,
    returned_class,
)
from legato.check.source import FunctionNode, SourceFile, imported_names

__all__ = ["Scope"]

_KNOWN_TYPE_NAMES = frozenset((*ASYNC_METHODS, *BLOCKING_METHODS))


@dataclass
class Scope:
    source: SourceFile
    node: FunctionNode
    namespace: Mapping[str, Any]
    owner: type | None = None
    first_argument: str | None = None  # the type of the request (or socket) argument
    imports: dict[str, str] = field(init=False)
    local_names: set[str] = field(init=False)
    loads: Counter[str] = field(init=False)
    called_names: set[str] = field(init=False)  # names called somewhere: `g(...)`
    local_functions: dict[str, FunctionNode] = field(init=False)
    parents: dict[ast.AST, ast.AST] = field(init=False)
    types: dict[str, TypeRef] = field(init=False)

    def __post_init__(self) -> None:
        self.imports = imported_names(self.node.body, self.source.package)
        self.local_names = _parameters(self.node)
        self.loads = Counter()
        self.called_names = set()
        self.local_functions = {}
        self.parents = {}
        for parent in ast.walk(self.node):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
            self._note(parent)
        self.types = {}
        self._type_parameters()
        self._type_assignments()

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.loads[node.id] += 1
            else:
                self.local_names.add(node.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            self.called_names.add(node.func.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not self.node:
            self.local_functions[node.name] = node
            self.local_names.add(node.name)

    # Names as written.

    def qualified(self, expr: ast.expr) -> str | None:
        """The dotted name `expr` stands for through the imports: `t.sleep` -> "time.sleep"."""
        if isinstance(expr, ast.Attribute):
            base = self.qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        name = expr.id
        if name in self.imports:
            return self.imports[name]
        if name in self.local_names:
            return None
        if name in self.source.imports:
            return self.source.imports[name]
        if name in self.source.bound:
            return f"{self.source.module}.{name}"
        return f"builtins.{name}" if hasattr(builtins, name) else None

    # Objects, for the project's own functions and classes.

    def live(self, expr: ast.expr) -> object | None:
        if isinstance(expr, ast.Attribute):
            base = self.live(expr.value)
            return None if base is None else member(base, expr.attr)
        if not isinstance(expr, ast.Name):
            return None
        if expr.id in self.imports:
            return live_object(self.imports[expr.id])
        if expr.id in self.local_names:
            return None
        return self.namespace.get(expr.id)

    # Types.

    def type_of(self, expr: ast.expr) -> TypeRef | None:
        if isinstance(expr, ast.Name):
            return self.types.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.type_of(expr.value)
            if base is None:
                return None
            attribute = next(
                (
                    ATTRIBUTE_TYPES[(name, expr.attr)]
                    for name in base.names
                    if (name, expr.attr) in ATTRIBUTE_TYPES
                ),
                None,
            )
            return TypeRef.named(attribute) if attribute else None
        if isinstance(expr, ast.Call):  # an instance of the class it calls, or returns
            return self.class_named(expr.func) or self._returned(expr.func, awaited=False)
        if isinstance(expr, ast.Await) and isinstance(expr.value, ast.Call):
            return self._returned(expr.value.func, awaited=True)
        return None

    def _returned(self, func: ast.expr, *, awaited: bool) -> TypeRef | None:
        called = self.live(func)
        function = plain_function(called)
        if function is None or is_coroutine_function(called) != awaited:
            return None
        found = returned_class(function)
        return TypeRef.of_class(found) if found is not None else None

    def class_named(self, expr: ast.expr) -> TypeRef | None:
        """The class `expr` names (a class the code refers to, or one the tables know)."""
        found = self.live(expr)
        if isinstance(found, type):
            return TypeRef.of_class(found)
        name = self.qualified(expr)
        return TypeRef(frozenset((name,))) if name in _KNOWN_TYPE_NAMES else None

    def _annotation(self, expr: ast.expr | None) -> TypeRef | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            try:
                expr = ast.parse(expr.value, mode="eval").body
            except (SyntaxError, ValueError):  # not an expression; a NUL byte
                return None
        if isinstance(expr, ast.BinOp):  # `T | None`
            return self._annotation(expr.left) or self._annotation(expr.right)
        if isinstance(expr, ast.Subscript):  # Optional[T], Annotated[T, ...]
            inner = expr.slice
            if isinstance(inner, ast.Tuple):
                return self._annotation(inner.elts[0]) if inner.elts else None
            return self._annotation(inner)
        return self.class_named(expr) if isinstance(expr, ast.Name | ast.Attribute) else None

    def _type_parameters(self) -> None:
        arguments = self.node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        if self.owner is not None and positional:
            self.types[positional.pop(0).arg] = TypeRef.of_class(self.owner)
        if self.first_argument and positional:
            self.types[positional[0].arg] = TypeRef.named(self.first_argument)
        if "request" not in self.types and any(a.arg == "request" for a in positional):
            # Django's name for it: a helper's `request` is the view's request.
            self.types["request"] = TypeRef.named(REQUEST)
        every = [*positional, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        for parameter in every:
            if parameter is not None and parameter.annotation is not None:
                found = self._annotation(parameter.annotation)
                if found is not None:
                    self.types[parameter.arg] = found

    def _type_assignments(self) -> None:
        for node in ast.walk(self.node):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                self._bind(node.targets[0], self.type_of(node.value))
            elif isinstance(node, ast.AnnAssign):
                self._bind(node.target, self._annotation(node.annotation))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                self._bind(node.optional_vars, self.type_of(node.context_expr))

    def _bind(self, target: ast.expr, found: TypeRef | None) -> None:
        if isinstance(target, ast.Name) and found is not None:
            self.types[target.id] = found


def _parameters(node: FunctionNode) -> set[str]:
    arguments = node.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [argument for argument in (arguments.vararg, arguments.kwarg) if argument]
    return {argument.arg for argument in every}

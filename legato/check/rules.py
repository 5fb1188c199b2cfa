"""Classify one call: does it block, make a coroutine, cross the sync/async boundary?

Each function answers one question about one `ast.Call` in one `Scope`; analysis.py
decides, from where the call runs (the loop or a thread), which answers are mistakes.
"""

from __future__ import annotations

import ast

from legato.check.calls import (
    ASYNC_METHODS,
    ASYNC_TO_SYNC,
    BLOCKING_METHODS,
    COROUTINE_FUNCTIONS,
    RUNNERS,
    SYNC_TO_ASYNC,
    Blocking,
    blocking_call,
)
from legato.check.objects import TypeRef, class_member, is_coroutine_function, plain_function
from legato.check.scope import Scope
from legato.check.source import FunctionNode

__all__ = [
    "blocking",
    "calls_async_to_sync",
    "display",
    "dropped",
    "is_generator",
    "makes_coroutine",
    "run_to_completion",
    "used_as_result",
    "wrapper_called",
]

# loop.run_until_complete, asyncio.Runner().run, loop.create_task, ...
_RUNNING_METHODS = frozenset(("run_until_complete", "run", "create_task", "ensure_future"))


def display(expr: ast.expr, limit: int = 60) -> str:
    """The callee as written, shortened for a one-line message."""
    text = ast.unparse(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def blocking(call: ast.Call, scope: Scope) -> Blocking | None:
    found = blocking_call(scope.qualified(call.func))
    if found is not None or not isinstance(call.func, ast.Attribute):
        return found
    receiver = scope.type_of(call.func.value)
    if receiver is None:
        return None
    for name in receiver.names:
        methods = BLOCKING_METHODS.get(name)
        if methods and call.func.attr in methods:
            return methods[call.func.attr]
    return None


def calls_async_to_sync(call: ast.Call, scope: Scope) -> bool:
    return scope.qualified(call.func) in ASYNC_TO_SYNC


def wrapper_called(call: ast.Call, scope: Scope) -> bool:
    """Whether the function `call` makes is called here: `async_to_sync(f)(...)`, or
    `g = async_to_sync(f)` and then `g(...)`. Only made, it may be handed to a thread."""
    parent = scope.parents.get(call)
    if isinstance(parent, ast.Call) and parent.func is call:
        return True
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
        return isinstance(target, ast.Name) and target.id in scope.called_names
    return False


def makes_coroutine(call: ast.Call, scope: Scope) -> bool:
    """Whether the call only creates a coroutine, which does nothing until awaited."""
    func = call.func
    if isinstance(func, ast.Call):  # sync_to_async(f)(...)
        return scope.qualified(func.func) in SYNC_TO_ASYNC
    if isinstance(func, ast.Name) and func.id in scope.local_functions:
        node = scope.local_functions[func.id]
        return isinstance(node, ast.AsyncFunctionDef) and not is_generator(node)
    if is_coroutine_function(scope.live(func)) or scope.qualified(func) in COROUTINE_FUNCTIONS:
        return True
    if isinstance(func, ast.Attribute):
        receiver = scope.type_of(func.value)
        return receiver is not None and _async_method(receiver, func.attr)
    return False


def _async_method(receiver: TypeRef, name: str) -> bool:
    if receiver.cls is not None:
        return is_coroutine_function(class_member(receiver.cls, name))
    return any(name in ASYNC_METHODS.get(type_name, ()) for type_name in receiver.names)


def dropped(call: ast.Call, scope: Scope) -> bool:
    """Whether the call's result is thrown away: a statement, or a name never read."""
    parent = scope.parents.get(call)
    if isinstance(parent, ast.Expr):
        return True
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        return _unread(parent.targets[0], scope)
    if isinstance(parent, ast.AnnAssign | ast.NamedExpr):
        return _unread(parent.target, scope)
    return False


def used_as_result(call: ast.Call, scope: Scope) -> bool:
    """Whether the coroutine is used as if it were its result: `client.get(url).json()`,
    `f"{fetch()}"`, `if fetch():`, `{"data": fetch()}` (a coroutine is always true)."""
    parent = scope.parents.get(call)
    if isinstance(parent, ast.Attribute | ast.Subscript):
        return parent.value is call
    if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert):
        return parent.test is call
    if isinstance(parent, ast.For | ast.comprehension):
        return parent.iter is call
    if isinstance(parent, ast.Dict):
        return call in parent.values
    return isinstance(parent, ast.FormattedValue | ast.BinOp | ast.Compare | ast.UnaryOp)


def _unread(target: ast.expr, scope: Scope) -> bool:
    return isinstance(target, ast.Name) and (target.id == "_" or not scope.loads[target.id])


def run_to_completion(call: ast.Call, scope: Scope) -> bool:
    """Whether sync code hands the coroutine to something that may run it: asyncio.run,
    loop.run_until_complete, or any Python function (a project's own runner, say); not
    to a class or a builtin (`JsonResponse(fetch())`, `print(fetch())`)."""
    parent = scope.parents.get(call)
    if not isinstance(parent, ast.Call) or call not in parent.args:
        return False
    runner = parent.func
    if isinstance(runner, ast.Call):  # async_to_sync(asyncio.gather)(a(), b())
        return scope.qualified(runner.func) in ASYNC_TO_SYNC
    if isinstance(runner, ast.Attribute) and runner.attr in _RUNNING_METHODS:
        return True
    return scope.qualified(runner) in RUNNERS or plain_function(scope.live(runner)) is not None


def is_generator(node: FunctionNode) -> bool:
    """Whether `node` has a `yield` of its own (not one of a function nested in it)."""
    pending: list[ast.AST] = list(node.body)
    while pending:
        child = pending.pop()
        if isinstance(child, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            pending.extend(ast.iter_child_nodes(child))
    return False

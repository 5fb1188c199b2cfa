"""Check one view (or middleware) and the project's functions it calls directly.

Where a call runs decides what is a mistake. On the event loop (an `async def`, a sync
function it calls, a `Middleware` marked `nonblocking`) a blocking call stalls every
request, `async_to_sync` cannot work, and a coroutine nobody awaits is lost. In a pool
thread (a sync view or middleware) blocking is fine, but a coroutine is never run
unless `async_to_sync` (or `asyncio.run`) runs it. Functions nested in a view count as
the view: an `async def` runs on the loop, a plain `def` or a lambda is only checked
when the view calls it by name (it may be handed to `sync_to_async`, which is right).
Helpers are followed one level deep, and their findings name the view they came from.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FunctionType

from legato.check import rules
from legato.check.calls import ASYNC_TO_SYNC, TO_THREAD, Blocking
from legato.check.objects import class_member, plain_function
from legato.check.scope import Scope
from legato.check.source import FunctionNode

__all__ = ["Context", "Report", "ScopeFactory", "ViewCheck"]


class Context(enum.Enum):
    LOOP = "the event loop"
    THREAD = "a pool thread"


# report(scope, node, code, message): a finding in scope's file, at node.
Report = Callable[[Scope, ast.AST, str, str], None]
# scopes(function, owner): the function's Scope if it is the project's own code, else None.
ScopeFactory = Callable[[FunctionType, type | None], Scope | None]


@dataclass
class Tally:
    """What sync code does besides calling functions: for the make-it-async advice."""

    blocking: int = 0
    async_to_sync: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.blocking += other.blocking
        self.async_to_sync += other.async_to_sync
        return self


class ViewCheck:
    """One target's check; `report` files findings under the target's name."""

    def __init__(self, scopes: ScopeFactory, report: Report) -> None:
        self.scopes = scopes
        self.report = report
        self.seen: set[tuple[FunctionNode, Context]] = set()

    def run(self, scope: Scope, context: Context) -> None:
        self.seen.add((scope.node, context))
        tally = self._body(scope, context, follow=True)
        sync_def = isinstance(scope.node, ast.FunctionDef)
        if context is Context.THREAD and sync_def and tally.async_to_sync and not tally.blocking:
            self.report(
                scope,
                scope.node,
                "LGT401",
                f"`{scope.node.name}` is sync, yet all the I/O the check sees goes through "
                "`async_to_sync`; make it `async def` and `await` directly (no thread, no hop "
                "back to the loop)",
            )

    def _body(self, scope: Scope, context: Context, *, follow: bool) -> Tally:
        tally = Tally()
        for call, where in _calls(scope.node, context):
            tally += self._call(call, where, scope)
            if follow:
                tally += self._follow(call, where, scope)
        return tally

    def _call(self, call: ast.Call, where: Context, scope: Scope) -> Tally:
        tally = Tally()
        found = rules.blocking(call, scope)
        if found is not None:
            if where is Context.LOOP:
                self.report(scope, call, found.code, _blocking_message(call, found))
            tally.blocking += 1
        if rules.calls_async_to_sync(call, scope):
            if where is Context.LOOP and rules.wrapper_called(call, scope):
                self.report(scope, call, "LGT301", _async_to_sync_message(call))
            tally.async_to_sync += 1
        if rules.makes_coroutine(call, scope):
            self._coroutine(call, where, scope)
        return tally if where is Context.THREAD else Tally()

    def _coroutine(self, call: ast.Call, where: Context, scope: Scope) -> None:
        name = rules.display(call.func)
        if where is Context.LOOP and rules.dropped(call, scope):
            self.report(
                scope,
                call,
                "LGT201",
                f"`{name}()` creates a coroutine that never runs; `await` it (or hand it to "
                "`asyncio.create_task(...)` and keep the task)",
            )
        elif where is Context.LOOP and rules.used_as_result(call, scope):
            self.report(
                scope,
                call,
                "LGT201",
                f"`{name}()` makes a coroutine, used here as if it were its result; `await` it",
            )
        elif where is Context.THREAD and not rules.run_to_completion(call, scope):
            self.report(
                scope,
                call,
                "LGT302",
                f"`{name}()` is async: called from sync code it only creates a coroutine; "
                f"use `async_to_sync({name})(...)`, or make this function `async def`",
            )

    def _follow(self, call: ast.Call, where: Context, scope: Scope) -> Tally:
        handed_over = _handed_over(call, scope)
        if handed_over is not None:
            callee, where = handed_over
        else:
            callee = call.func
        helper = self._helper(callee, scope)
        if helper is None:
            return Tally()
        context = _helper_context(helper.node, where, via_bridge=handed_over is not None)
        if context is None or (helper.node, context) in self.seen:
            return Tally()
        self.seen.add((helper.node, context))
        return self._body(helper, context, follow=False)

    def _helper(self, callee: ast.expr, scope: Scope) -> Scope | None:
        """The Scope of the project function `callee` names, if the check can tell which."""
        if isinstance(callee, ast.Name) and callee.id in scope.local_functions:
            return Scope(scope.source, scope.local_functions[callee.id], scope.namespace)
        target = scope.live(callee)
        owner: type | None = None
        if target is None and isinstance(callee, ast.Attribute):
            receiver = scope.type_of(callee.value)
            if receiver is not None and receiver.cls is not None:
                target, owner = class_member(receiver.cls, callee.attr), receiver.cls
        if isinstance(target, type):  # a class: calling it runs its __init__
            owner = target
            target = class_member(target, "__init__")
        function = plain_function(target)
        return None if function is None else self.scopes(function, owner)


def _calls(node: FunctionNode, context: Context) -> Iterator[tuple[ast.Call, Context]]:
    """Every call in `node`'s body with where it runs; nested `def`s and lambdas skipped."""
    pending: list[tuple[ast.AST, Context]] = [(child, context) for child in node.body]
    while pending:
        child, where = pending.pop()
        if isinstance(child, ast.AsyncFunctionDef):
            pending.extend((grandchild, Context.LOOP) for grandchild in child.body)
            continue
        if isinstance(child, ast.FunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(child, ast.Call):
            yield child, where
        pending.extend((grandchild, where) for grandchild in ast.iter_child_nodes(child))


def _handed_over(call: ast.Call, scope: Scope) -> tuple[ast.expr, Context] | None:
    """`async_to_sync(f)`, `sync_to_async(f)`, `asyncio.to_thread(f, ...)`: f, where it runs."""
    if not call.args:
        return None
    name = scope.qualified(call.func)
    if name in ASYNC_TO_SYNC:
        return call.args[0], Context.LOOP
    if name in TO_THREAD:
        return call.args[0], Context.THREAD
    return None


def _helper_context(node: FunctionNode, where: Context, *, via_bridge: bool) -> Context | None:
    """Where a helper's body runs when called from `where`; None if it never runs there."""
    if rules.is_generator(node):
        # An async generator runs on the loop whoever iterates it; a sync one runs where
        # it is iterated, which the check cannot see.
        return Context.LOOP if isinstance(node, ast.AsyncFunctionDef) else None
    if isinstance(node, ast.AsyncFunctionDef):
        # Called (not awaited) from sync code it never runs: LGT302 says so at the call.
        return Context.LOOP if where is Context.LOOP or via_bridge else None
    return where


def _blocking_message(call: ast.Call, found: Blocking) -> str:
    return f"`{rules.display(call.func)}()` {found.effect}; {found.advice}"


def _async_to_sync_message(call: ast.Call) -> str:
    return (
        f"`{rules.display(call.func)}()` in code running on the event loop: it cannot wait "
        "for the loop it blocks (asgiref refuses, or it deadlocks); `await` the coroutine "
        "directly"
    )

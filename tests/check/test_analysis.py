"""One target checked where it runs: the loop or a pool thread decides what is a mistake.

ViewCheck is driven directly here, with the target's Scope and a report that records;
the rules' full catalogue, snippet by snippet, is in test_rules.py.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import FunctionType

import pytest

from legato.check.analysis import Context, ViewCheck
from legato.check.calls import REQUEST
from legato.check.scope import Scope
from legato.check.source import SourceFile

SOURCE = """\
import time
from legato.sync import async_to_sync


async def fetch():
    return 1


def handler(request):
    time.sleep(1)
    fetch()
    return async_to_sync(fetch)()
"""


def scope_of(directory: Path, text: str) -> Scope:
    """The Scope of the last function in `text`, as a view (its module imported)."""
    path = directory / "views.py"
    path.write_text(text)
    source = SourceFile.parse(path, "views", "")
    node = source.tree.body[-1]
    assert isinstance(node, ast.FunctionDef)
    namespace: dict[str, object] = {"__name__": "views"}
    exec(compile(text, str(path), "exec"), namespace)
    return Scope(source, node, namespace, first_argument=REQUEST)


@pytest.fixture
def scope(tmp_path: Path) -> Scope:
    return scope_of(tmp_path, SOURCE)


def check(scope: Scope, context: Context) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def report(where: Scope, node: ast.AST, code: str, message: str) -> None:
        found.append((getattr(node, "lineno", 0), code))

    def no_helpers(function: FunctionType, owner: type | None) -> Scope | None:
        return None

    ViewCheck(no_helpers, report).run(scope, context)
    return sorted(found)


def test_in_a_pool_thread_blocking_is_fine_but_a_bare_coroutine_never_runs(scope: Scope) -> None:
    assert check(scope, Context.THREAD) == [(11, "LGT302")]


def test_on_the_loop_the_same_code_blocks_and_drops_a_coroutine(scope: Scope) -> None:
    assert check(scope, Context.LOOP) == [(10, "LGT101"), (11, "LGT201"), (12, "LGT301")]


def test_sync_code_whose_io_all_goes_through_async_to_sync_is_advised_to_be_async(
    tmp_path: Path,
) -> None:
    bridge = scope_of(tmp_path, SOURCE.replace("    time.sleep(1)\n    fetch()\n", ""))
    assert check(bridge, Context.THREAD) == [(9, "LGT401")]

"""What the names in one function stand for: imports, locals, module names and types."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from legato.check.calls import REQUEST
from legato.check.scope import Scope
from legato.check.source import SourceFile

SOURCE = """\
import time as t
import httpx

LIMIT = 3


async def view(request, sleep=None):
    import subprocess as sp
    client = httpx.AsyncClient()
    t.sleep(LIMIT)
    sleep(1)
    sp.run(["true"])
    len(request.body)
    request.db
    return client
"""


@pytest.fixture
def scope(tmp_path: Path) -> Scope:
    path = tmp_path / "views.py"
    path.write_text(SOURCE)
    source = SourceFile.parse(path, "shop.views", "shop")
    node = source.tree.body[-1]
    assert isinstance(node, ast.AsyncFunctionDef)
    return Scope(source, node, {"__name__": "shop.views"}, first_argument=REQUEST)


def expression(scope: Scope, text: str) -> ast.expr:
    """The first node of the function's body written as `text`."""
    for node in ast.walk(scope.node):
        if isinstance(node, ast.expr) and ast.unparse(node) == text:
            return node
    raise LookupError(text)


@pytest.mark.parametrize(
    ("text", "qualified"),
    [
        ("t.sleep", "time.sleep"),  # a module import, aliased
        ("sp.run", "subprocess.run"),  # an import inside the function
        ("LIMIT", "shop.views.LIMIT"),  # a module-level name
        ("len", "builtins.len"),
        ("sleep", None),  # a parameter: whatever the caller passed
    ],
)
def test_names_resolve_as_written(scope: Scope, text: str, qualified: str | None) -> None:
    assert scope.qualified(expression(scope, text)) == qualified


def test_locals_and_calls_are_noted(scope: Scope) -> None:
    assert {"request", "sleep", "client"} <= scope.local_names
    assert scope.imports == {"sp": "subprocess"}  # the function's own imports
    assert {"sleep", "len"} <= scope.called_names


def test_types_come_from_constructors_the_request_argument_and_its_attributes(
    scope: Scope,
) -> None:
    client = scope.type_of(expression(scope, "client"))
    assert client is not None
    assert "httpx.AsyncClient" in client.names
    request = scope.type_of(expression(scope, "request"))
    assert request is not None
    assert REQUEST in request.names
    session = scope.type_of(expression(scope, "request.db"))
    assert session is not None
    assert "sqlalchemy.ext.asyncio.session.AsyncSession" in session.names

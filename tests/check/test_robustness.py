"""The check never crashes on valid Python: it returns findings, whatever a view holds.

Two corpora: every function of the standard library's `asyncio` and `json` packages,
checked as if each were a view of the project (on the loop and in a thread), and small
functions hypothesis builds from statements that exercise every rule.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

from hypothesis import given, settings
from hypothesis import strategies as st

from legato.check import Checker, Project, Target
from legato.check.analysis import Context


def functions_of(code: CodeType) -> Iterator[CodeType]:
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield constant
            yield from functions_of(constant)


def package_targets(package_dir: Path, package: str) -> Iterator[Target]:
    for path in sorted(package_dir.glob("*.py")):
        name = package if path.stem == "__init__" else f"{package}.{path.stem}"
        try:
            module = importlib.import_module(name)
        except ImportError:  # a platform's module (windows_events, ...)
            continue
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        for function in functions_of(code):
            for context in Context:
                yield Target(function, vars(module), function.co_qualname, context=context)


def test_check_survives_every_function_of_asyncio_and_json() -> None:
    for package in (asyncio, json):
        directory = Path(package.__file__).parent  # type: ignore[arg-type]
        targets = list(package_targets(directory, package.__name__))
        checker = Checker(Project(directory, excluded=()))
        findings = checker.check(targets)
        assert isinstance(findings, list)
        read = [target for target in targets if checker.scope(target.code, target.namespace)]
        assert len(read) > 50  # lambdas and comprehensions aside, every function was read


STATEMENTS = [
    "time.sleep(1)",
    "await asyncio.sleep(0)",
    "asyncio.sleep(0)",
    "x = helper()",
    "await helper()",
    "y = await helper()",
    "return helper()",
    "task = asyncio.create_task(helper())",
    "async_to_sync(helper)()",
    "await sync_to_async(time.sleep)(1)",
    "open('f').read()",
    "request.db.execute('select 1')",
    "yield 1",
    "f = lambda: time.sleep(1)",
    "del x",
    "global G",
    "print(*[helper() for _ in range(2)], **{})",
    "client.get('/')",
    "sock.connect(('127.0.0.1', 9))",
    "pass",
    "a: 'Optional[httpx.AsyncClient]' = None",
    "b: list[()] = []",
    "c: '\\x00' = 1",
    "d: 'not an expression!' = 1",
    "e: Annotated[()] = 1",
]
WRAPPERS = [
    "{body}",
    "if x:\n    {body}",
    "with open('f') as f:\n    {body}",
    "async with client:\n    {body}",
    "try:\n    {body}\nexcept Exception:\n    pass",
    "async def inner():\n    {body}",
    "def inner():\n    {body}",
    "for _ in range(2):\n    {body}",
    "match x:\n    case 1:\n        {body}",
]
HEADER = """\
import asyncio
import time
import httpx
import socket
from legato.sync import async_to_sync, sync_to_async

async def helper():
    return 1

"""


@st.composite
def functions(draw: st.DrawFn) -> tuple[str, bool]:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        body = draw(st.sampled_from(STATEMENTS))
        wrapper = draw(st.sampled_from(WRAPPERS))
        lines.append(wrapper.format(body=body.replace("\n", "\n    ")))
    is_async = draw(st.booleans())
    header = "async def view(request, client: httpx.AsyncClient, sock: socket.socket):"
    if not is_async:
        header = header.removeprefix("async ")
    body = textwrap.indent("\n".join(lines), "    ")
    return f"{HEADER}{header}\n    x = G = 0\n{body}\n", is_async


@settings(max_examples=150, deadline=None)
@given(functions())
def test_check_survives_generated_functions(
    tmp_path_factory: object, case: tuple[str, bool]
) -> None:
    source, is_async = case
    directory = tmp_path_factory.mktemp("generated")  # type: ignore[attr-defined]
    path = directory / "generated.py"
    path.write_text(source)
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError:  # e.g. `await` in a sync function, `return x` in a generator
        return
    namespace: dict[str, object] = {"__name__": "generated"}
    exec(code, namespace)
    view = next(c for c in code.co_consts if isinstance(c, CodeType) and c.co_name == "view")
    findings = Checker(Project(directory, excluded=())).check([Target(view, namespace, "view")])
    sleeps = {
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if line == "    time.sleep(1)"  # directly in the view's body
    }
    reported = {finding.line for finding in findings if finding.code == "LGT101"}
    # On the loop every direct time.sleep is reported; in a thread, none is.
    assert sleeps <= reported if is_async else not sleeps & reported

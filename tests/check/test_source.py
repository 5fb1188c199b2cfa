"""One module read once: imports as written, top-level names, columns and noqa comments."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from legato.check.source import SourceFile, imported_names

SOURCE = """\
import time as t
import os.path
from . import helpers
from ..db import query as q
from requests import *

LIMIT = 3
def view(request): t.sleep(1)  # noqa: LGT101
def other(request): t.sleep(1)  # noqa
def café(request): t.sleep(1)  # noqa: LGT102, LGT105
"""


@pytest.fixture
def source(tmp_path: Path) -> SourceFile:
    path = tmp_path / "views.py"
    path.write_text(SOURCE, encoding="utf-8")
    return SourceFile.parse(path, "shop.web.views", "shop.web")


def test_imports_resolve_aliases_and_relative_modules(source: SourceFile) -> None:
    assert source.imports == {
        "t": "time",
        "os": "os",
        "helpers": "shop.web.helpers",
        "q": "shop.db.query",
    }


def test_top_level_names_are_known(source: SourceFile) -> None:
    assert {"LIMIT", "view", "other", "café"} <= source.bound


def test_noqa_silences_its_codes_or_all_of_them(source: SourceFile) -> None:
    assert source.suppressed(8, "LGT101")
    assert not source.suppressed(8, "LGT102")
    assert source.suppressed(9, "LGT106")  # a bare noqa
    assert source.suppressed(10, "LGT105")
    assert not source.suppressed(10, "LGT101")
    assert not source.suppressed(7, "LGT101")
    assert not source.suppressed(99, "LGT101")


def test_columns_count_characters_as_ruff_does(source: SourceFile) -> None:
    function = source.tree.body[-1]
    assert isinstance(function, ast.FunctionDef)
    call = function.body[0]
    assert source.column(call) == len("def café(request): ") + 1


def test_a_function_is_found_from_its_code_object(source: SourceFile) -> None:
    code = compile(SOURCE, str(source.path), "exec")
    view_code = next(c for c in code.co_consts if getattr(c, "co_name", "") == "view")
    node = source.function(view_code)
    assert node is not None
    assert node.name == "view"


def test_imports_inside_functions_count_too() -> None:
    tree = ast.parse(
        textwrap.dedent("""
        def view(request):
            import subprocess as sp
            return sp.run
    """)
    )
    assert imported_names(tree.body, "") == {"sp": "subprocess"}

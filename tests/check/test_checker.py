"""The checker over many targets: each finding once, in file order, only in the project."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import CodeType

import pytest

from legato.check import Checker, Project, Target
from legato.exceptions import ImproperlyConfigured

SOURCE = """\
import time


def pause():
    time.sleep(1)


async def view_b(request):
    pause()


async def view_a(request):
    pause()
    time.sleep(2)  # noqa: LGT101


def view_sync(request):
    time.sleep(3)
"""


def targets(path: Path, source: str = SOURCE) -> list[Target]:
    path.write_text(textwrap.dedent(source))
    code = compile(path.read_text(), str(path), "exec")
    namespace: dict[str, object] = {"__name__": "views"}
    exec(code, namespace)
    return [
        Target(constant, namespace, f"views.{constant.co_name}")
        for constant in code.co_consts
        if isinstance(constant, CodeType) and constant.co_name.startswith("view")
    ]


def test_a_helper_two_views_call_is_reported_once_and_noqa_is_honoured(tmp_path: Path) -> None:
    findings = Checker(Project(tmp_path, excluded=())).check(targets(tmp_path / "views.py"))
    assert [(finding.line, finding.code, finding.view) for finding in findings] == [
        (5, "LGT101", "views.view_b")  # found from the first view checked; a sync view is fine
    ]


def test_code_outside_the_project_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    outside = targets(tmp_path / "views.py")
    assert Checker(Project(tmp_path / "app", excluded=())).check(outside) == []


def test_a_file_edited_since_the_import_asks_for_a_fresh_run(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    found = targets(path)
    path.write_text("def broken(:\n")
    with pytest.raises(ImproperlyConfigured, match="run the check again"):
        Checker(Project(tmp_path, excluded=())).check(found)

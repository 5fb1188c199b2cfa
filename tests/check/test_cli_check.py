"""`legato check` as a command: exit 0 on the examples, 2 with one line on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from legato.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "examples.showcase.app:app",
    "examples.chat.app:app",
    "examples.seeds.app:app",
    "examples.aggregator.app:app",
]


@pytest.mark.parametrize("target", EXAMPLES)
def test_examples_run_clean(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", target]) == 0
    assert capsys.readouterr().out.endswith("no problems found.\n")


def test_clean_app_in_json_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "examples.seeds.app:app", "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def legato_check(target: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # This worktree's legato, whatever directory the command runs in.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "legato.cli", "check", target],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("legato: ")
    for fragment in fragments:
        assert fragment in result.stderr


def test_module_that_does_not_import_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = legato_check("nosuch.module:app", tmp_path)
    assert_one_line_error(result, "No module named 'nosuch'", "directory that contains")


def write_project(directory: Path, views: str) -> None:
    package = directory / "brokenproject"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text(textwrap.dedent(views))
    (package / "app.py").write_text(
        "from legato import App\n"
        "from legato.urls import path\n"
        "from brokenproject import views\n\n"
        'app = App(urlpatterns=[path("", views.home)])\n'
    )


def test_syntax_error_in_a_view_module_is_one_line_and_exit_2(tmp_path: Path) -> None:
    write_project(tmp_path, "async def home(request)\n    return None\n")
    result = legato_check("brokenproject.app:app", tmp_path)
    assert_one_line_error(result, "syntax error in", "views.py, line 1")


def test_view_module_that_raises_is_one_line_and_exit_2(tmp_path: Path) -> None:
    write_project(tmp_path, 'raise RuntimeError("no settings\\nat all")\n')
    result = legato_check("brokenproject.app:app", tmp_path)
    assert_one_line_error(result, "RuntimeError: no settings at all")


def test_findings_exit_1_from_the_command_line(tmp_path: Path) -> None:
    write_project(tmp_path, "import time\n\nasync def home(request):\n    time.sleep(1)\n")
    result = legato_check("brokenproject.app:app", tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        f"brokenproject{os.sep}views.py:4:5: LGT101 `time.sleep()` blocks the event loop"
    )

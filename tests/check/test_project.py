"""Which files are the project's own: under its root, never installed packages or Legato."""

from __future__ import annotations

from pathlib import Path

import legato
from legato.check.project import Project


def test_files_under_the_root_are_the_projects(tmp_path: Path) -> None:
    project = Project(tmp_path, excluded=())
    assert project.contains(str(tmp_path / "shop" / "views.py"))
    assert not project.contains(str(tmp_path.parent / "other" / "views.py"))


def test_installed_packages_and_non_source_files_are_not(tmp_path: Path) -> None:
    project = Project(tmp_path, excluded=())
    assert not project.contains(str(tmp_path / ".venv/lib/python3.11/site-packages/x/y.py"))
    assert not project.contains(str(tmp_path / "dist-packages" / "z.py"))
    assert not project.contains("<string>")
    assert not project.contains(str(tmp_path / "ext.cpython-311-x86_64-linux-gnu.so"))


def test_legato_itself_is_never_the_projects_code() -> None:
    checkout = Path(legato.__file__).resolve().parents[1]  # a project around Legato's tree
    project = Project(checkout)
    assert project.contains(str(checkout / "examples" / "chat" / "app.py"))
    assert not project.contains(legato.__file__)


def test_the_project_of_a_module_is_the_directory_of_its_top_package() -> None:
    project = Project.of_module("tests.check.fixture_project.app")
    assert project.root == Path(__file__).resolve().parents[2]

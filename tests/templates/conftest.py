"""`write_templates`: put template files in a temporary directory for one test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

WriteTemplates = Callable[..., Path]


@pytest.fixture
def write_templates(tmp_path: Path) -> WriteTemplates:
    """`write_templates({"page.html": "..."})` writes the files; returns their directory.

    A name may hold "/" (a subfolder); `dirname` picks another directory below tmp_path.
    """

    def write(files: Mapping[str, str], dirname: str = "templates") -> Path:
        directory = tmp_path / dirname
        directory.mkdir(exist_ok=True)
        for name, text in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return directory

    return write

"""The guard between a requested name and the filesystem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from legato.static.paths import inside, safe_name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "..",
        "../x",
        "a/../../x",
        "a/./b",
        "a//b",
        "/etc/passwd",
        "a\\..\\b",
        "a\x00b",
        "C:/x",
        "a/",
        ".",
        "x\r\n",
    ],
)
def test_safe_name_refuses(name: str) -> None:
    assert safe_name(name) is None


@pytest.mark.parametrize("name", ["a.css", "css/site.css", "..a", "a..b/c", "%2e%2e/x", "é.txt"])
def test_safe_name_accepts_plain_names(name: str) -> None:
    assert safe_name(name) == name


def test_inside_refuses_a_symlink_out_of_the_directory(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("s")
    static = tmp_path / "static"
    static.mkdir()
    os.symlink(tmp_path / "secret", static / "link")
    (static / "ok").write_text("ok")
    assert inside(str(static), "link") is None
    assert inside(str(static), "ok") == os.path.realpath(static / "ok")
    assert inside(str(static), "missing") is None

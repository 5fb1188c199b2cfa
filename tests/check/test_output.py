"""`legato check`'s output: ruff's one line per finding, or JSON with ruff's field names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from legato.check.findings import Finding
from legato.check.output import as_json, as_text


def finding(path: Path, code: str = "LGT101") -> Finding:
    return Finding(path, 12, 9, code, "`time.sleep()` blocks the event loop", "shop.views.cart")


def test_text_is_one_ruff_line_per_finding_and_a_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = as_text([finding(tmp_path / "shop" / "views.py")])
    assert text.splitlines() == [
        "shop/views.py:12:9: LGT101 `time.sleep()` blocks the event loop (view: shop.views.cart)",
        "Found 1 problem.",
    ]
    assert as_text([]) == "Found 0 problems."


def test_a_path_outside_the_working_directory_is_shown_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    elsewhere = tmp_path / "elsewhere" / "views.py"
    assert as_text([finding(elsewhere)]).startswith(f"{elsewhere}:12:9:")


def test_json_keeps_ruffs_names_and_adds_view_and_severity(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    (entry,) = json.loads(as_json([finding(path, "LGT106")]))
    assert entry == {
        "code": "LGT106",
        "message": "`time.sleep()` blocks the event loop",
        "filename": str(path),
        "location": {"row": 12, "column": 9},
        "view": "shop.views.cart",
        "severity": "warning",
    }

"""The rule table: stable codes, their series, and a finding's identity."""

from __future__ import annotations

import re
from pathlib import Path

from legato.check.findings import RULES, Finding

DOCS = Path(__file__).resolve().parents[2] / "docs" / "check.md"


def test_codes_are_in_their_series_and_severities_are_known() -> None:
    # 1xx blocking calls, 2xx coroutines that never run, 3xx the boundary, 4xx advice.
    for code, rule in RULES.items():
        assert re.fullmatch(r"LGT[1-4]\d\d", code)
        assert rule.code == code
        assert rule.severity in ("error", "warning", "advice")
    assert all(rule.severity == "advice" for code, rule in RULES.items() if code[3] == "4")


def test_every_code_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert [code for code in RULES if code not in text] == []


def test_the_same_place_and_code_from_two_views_is_one_finding() -> None:
    path = Path("shop/helpers.py")
    first = Finding(path, 3, 5, "LGT101", "`time.sleep()`", "shop.views.a")
    second = Finding(path, 3, 5, "LGT101", "`time.sleep()`", "shop.views.b")
    assert first.key == second.key
    assert first.rule is RULES["LGT101"]

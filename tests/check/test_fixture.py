"""The fixture project: exactly the findings its `# expect: CODE` comments announce."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from legato.cli import main

FIXTURE = Path(__file__).parent / "fixture_project"
APP = "tests.check.fixture_project.app:app"
EXPECT = re.compile(r"#\s*expect:\s*(LGT\d+)")
RUFF_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>LGT\d{3}) .+"
    r" \(view: (?P<view>[\w.<>]+)\)$"
)


def expected() -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(FIXTURE.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                found.add((path.name, number, match.group(1)))
    return found


def run_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["check", APP, "--format", "json"]) == 1
    return json.loads(capsys.readouterr().out)


def test_fixture_gets_exactly_the_expected_findings(capsys: pytest.CaptureFixture[str]) -> None:
    findings = run_json(capsys)
    got = {
        (Path(str(f["filename"])).name, f["location"]["row"], f["code"])  # type: ignore[index]
        for f in findings
    }
    assert got == expected()
    assert len(findings) == len(got)  # each reported once


def test_fixture_covers_every_rule() -> None:
    from legato.check import RULES

    assert {code for _, _, code in expected()} == set(RULES)


def test_json_findings_have_ruffs_fields_and_the_view(capsys: pytest.CaptureFixture[str]) -> None:
    for finding in run_json(capsys):
        assert set(finding) == {"code", "message", "filename", "location", "view", "severity"}
        assert set(finding["location"]) == {"row", "column"}  # type: ignore[arg-type]
        assert Path(str(finding["filename"])).is_absolute()
        assert finding["severity"] in {"error", "warning", "advice"}
        assert isinstance(finding["message"], str)
        assert "\n" not in finding["message"]


def test_text_lines_are_ruffs_format_naming_the_view(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", APP]) == 1
    *lines, summary = capsys.readouterr().out.splitlines()
    assert summary == f"Found {len(expected())} problems."
    parsed = [RUFF_LINE.match(line) for line in lines]
    assert all(parsed), lines
    by_code = {match["code"]: match for match in parsed if match}
    # A helper's finding is reported where the helper is, naming the view that calls it.
    assert by_code["LGT102"]["path"] == "tests/check/fixture_project/helpers.py"
    assert by_code["LGT102"]["view"] == "tests.check.fixture_project.views.dashboard"
    assert by_code["LGT104"]["view"].endswith("middleware.audit_log.<locals>.middleware")
    assert by_code["LGT101"]["col"] == "5"  # 1-based, as ruff counts


def test_message_names_the_async_replacement(capsys: pytest.CaptureFixture[str]) -> None:
    messages = {f["code"]: f["message"] for f in run_json(capsys)}
    assert "await asyncio.sleep(" in str(messages["LGT101"])
    assert "httpx.AsyncClient" in str(messages["LGT102"])
    assert "asyncio.create_subprocess_exec" in str(messages["LGT104"])
    assert "request.db" in str(messages["LGT105"])
    assert "sync_to_async" in str(messages["LGT106"])

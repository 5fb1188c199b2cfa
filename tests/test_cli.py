"""The `legato` command line: routes and check (run is covered by the integration tests)."""

from __future__ import annotations

import pytest

from legato.cli import main


def test_routes_prints_pattern_name_view_and_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples.showcase.app:app"]) == 0
    output = capsys.readouterr().out
    assert "seeds/slow/" in output
    assert "seeds:slow_view" in output
    assert "examples.seeds.views.slow_view" in output
    slow_sync_line = next(line for line in output.splitlines() if "slow-sync/" in line)
    assert slow_sync_line.split()[-1] == "sync"


def test_check_builds_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "examples.showcase.app:app"]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_bad_target_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples.showcase.app"]) == 2
    assert "module:attribute" in capsys.readouterr().err


def test_an_unknown_legato_server_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGATO_SERVER", "hypercorn")
    assert main(["run", "examples.seeds.urls:urlpatterns"]) == 2
    assert "LEGATO_SERVER='hypercorn': expected one of uvicorn, granian" in capsys.readouterr().err


@pytest.mark.parametrize("root_path", ["shop", "//evil.example", "/a//b", "/\\evil"])
def test_a_root_path_that_is_not_a_path_prefix_is_refused(
    root_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "examples.showcase.app:app", "--root-path", root_path])
    assert exited.value.code == 2
    assert "is not a path prefix: give one such as /shop" in capsys.readouterr().err

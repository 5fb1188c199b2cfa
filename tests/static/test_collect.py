"""legato collectstatic: hashed copies, manifest, compressed copies."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import pytest

from legato.exceptions import ImproperlyConfigured
from legato.static import collectstatic
from legato.static.collect import hashed_name
from tests.static.conftest import CSS, Tree


def test_hashed_name_keeps_directory_and_extension() -> None:
    assert hashed_name("css/site.min.css", b"x") == "css/site.min.2d711642b726.css"
    assert hashed_name("LICENSE", b"x") == "LICENSE.2d711642b726"


def test_collect_writes_plain_and_hashed_copies_and_manifest(tree: Tree) -> None:
    manifest = json.loads((tree.root / "staticfiles.json").read_text())
    assert manifest["version"] == 1
    assert set(manifest["paths"]) == {"site.css", "app.js", "logo.png", "video.bin", "data/ten.txt"}
    for name, hashed in manifest["paths"].items():
        assert (tree.root / name).read_bytes() == (tree.root / hashed).read_bytes()


def test_collect_compresses_text_files_only(tree: Tree) -> None:
    hashed = json.loads((tree.root / "staticfiles.json").read_text())["paths"]["site.css"]
    assert brotli.decompress((tree.root / (hashed + ".br")).read_bytes()) == CSS
    assert gzip.decompress((tree.root / (hashed + ".gz")).read_bytes()) == CSS
    assert not (tree.root / "logo.png.gz").exists()
    assert not (tree.root / "data/ten.txt.gz").exists()  # too small to gain


def test_first_directory_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "x.txt").write_text("first")
    (second / "x.txt").write_text("second")
    collectstatic([str(first), str(second)], str(tmp_path / "out"))
    assert (tmp_path / "out" / "x.txt").read_text() == "first"


def test_collect_without_root_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="static_root"):
        collectstatic([str(tmp_path)], "")


def test_collect_refuses_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="not a directory"):
        collectstatic([str(tmp_path / "nope")], str(tmp_path / "out"))


def test_collect_is_repeatable(tree: Tree) -> None:
    before = (tree.root / "staticfiles.json").read_text()
    collectstatic([str(tree.static)], str(tree.root))
    assert (tree.root / "staticfiles.json").read_text() == before


def test_cli_collectstatic_uses_the_apps_settings(
    tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from legato.cli import main

    (tmp_path / "siteapp.py").write_text(
        "from legato import App\n"
        f"app = App(static_dirs=[{str(tree.static)!r}], static_root='built')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["collectstatic", "siteapp:app"]) == 0
    assert "5 static files collected into built" in capsys.readouterr().out
    assert (tmp_path / "built" / "staticfiles.json").exists()

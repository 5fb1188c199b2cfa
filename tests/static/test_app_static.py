"""App.static(): the URL templates use for a static file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.urls.reverse import current_script_prefix
from tests.static.conftest import Tree


def test_static_url_before_collect(tree: Tree) -> None:
    assert App(static_dirs=[str(tree.static)]).static("site.css") == "/static/site.css"


def test_static_url_is_the_hashed_name_after_collect(tree: Tree) -> None:
    app = App(static_dirs=[str(tree.static)], static_root=str(tree.root))
    hashed = json.loads((tree.root / "staticfiles.json").read_text())["paths"]["site.css"]
    assert app.static("site.css") == "/static/" + hashed
    assert app.static("not-collected.css") == "/static/not-collected.css"


def test_static_url_setting(tree: Tree) -> None:
    app = App(static_dirs=[str(tree.static)], static_url="https://cdn.example.com/s/")
    assert app.static("a.css") == "https://cdn.example.com/s/a.css"


def test_static_url_under_a_script_prefix() -> None:
    token = current_script_prefix.set("/shop/")
    try:
        assert App().static("a.css") == "/shop/static/a.css"
    finally:
        current_script_prefix.reset(token)


@pytest.mark.parametrize("name", ["../a.css", "/etc/passwd", "a\\b", "", "a/./b"])
def test_static_refuses_names_that_climb(name: str) -> None:
    with pytest.raises(ValueError, match="not a static file name"):
        App().static(name)


def test_static_setting_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGATO_STATIC_DIRS", "a, b")
    monkeypatch.setenv("LEGATO_STATIC_MAX_AGE", "7")
    config = App().config
    assert config.static_dirs == ("a", "b")
    assert config.static_max_age == 7


def test_missing_static_dir_fails_at_start_up(tmp_path: Path) -> None:
    app = App(static_dirs=[str(tmp_path / "nope")])
    with pytest.raises(ImproperlyConfigured, match="not a directory"):
        app.core()


def test_static_dirs_are_not_needed_once_collected(tree: Tree, tmp_path: Path) -> None:
    app = App(static_dirs=[str(tmp_path / "not-deployed")], static_root=str(tree.root))
    assert app.static("site.css").startswith("/static/site.")

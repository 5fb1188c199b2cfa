"""Which directories an app's templates come from: its list, then its views' packages."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponseBase
from legato.shortcuts import render
from legato.templates.directories import template_directories
from legato.test import Client
from legato.urls import include, path


@pytest.fixture
def package(tmp_path: Path) -> Iterator[types.ModuleType]:
    """A module `shopapp.views` in tmp_path/shopapp, with templates/shop/list.html beside it."""
    root = tmp_path / "shopapp"
    (root / "templates" / "shop").mkdir(parents=True)
    (root / "templates" / "shop" / "list.html").write_text("the shop's list")
    module = types.ModuleType("shopapp.views")
    module.__file__ = str(root / "views.py")

    async def listing(request: HttpRequest) -> HttpResponseBase:
        return render(request, "shop/list.html")

    listing.__module__ = module.__name__
    module.listing = listing  # type: ignore[attr-defined]
    module.urlpatterns = [path("", listing)]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_configured_directories_come_first_and_relative_ones_start_at_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    found = template_directories(["pages", "/srv/templates"])
    assert found == [tmp_path / "pages", Path("/srv/templates")]


def test_an_included_apps_templates_are_found_without_being_listed(
    package: types.ModuleType, tmp_path: Path
) -> None:
    app = App([path("shop/", include(package))], templates=[tmp_path / "project"])
    assert app.templates.directories == (tmp_path / "project", tmp_path / "shopapp" / "templates")
    with Client(app) as client:
        assert client.get("/shop/").text == "the shop's list"


def test_the_project_overrides_an_apps_template(package: types.ModuleType, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "list.html").write_text("the project's list")
    app = App([path("shop/", include(package))], templates=[project])
    with Client(app) as client:
        assert client.get("/shop/").text == "the project's list"


def test_template_app_dirs_off_leaves_only_the_configured_list(
    package: types.ModuleType, tmp_path: Path
) -> None:
    app = App([path("shop/", include(package))], templates=[tmp_path], template_app_dirs=False)
    assert app.templates.directories == (tmp_path,)


def test_views_without_a_templates_directory_add_nothing(tmp_path: Path) -> None:
    async def view(request: HttpRequest) -> HttpResponseBase:  # pragma: no cover
        raise AssertionError

    # This test module's directory has no templates/ beside it.
    assert template_directories([tmp_path], [view, view, print]) == [tmp_path]

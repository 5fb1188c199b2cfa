"""The engine: autoescaping, async calls, globals, missing templates, debug settings."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import jinja2
import pytest

from legato import App
from legato.templates import TemplateDoesNotExist, Templates
from legato.urls import path
from tests.templates.conftest import WriteTemplates

pytestmark = pytest.mark.anyio


async def test_html_templates_are_autoescaped_and_text_ones_are_not(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates(
        {"page.html": "{{ value }}", "page.xml": "{{ value }}", "page.txt": "{{ value }}"}
    )
    templates = Templates([directory])
    value = {"value": "<b>&</b>"}
    assert await templates.render_async("page.html", value) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert await templates.render_async("page.xml", value) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert await templates.render_async("page.txt", value) == "<b>&</b>"


async def test_a_template_awaits_an_async_function_it_calls(
    write_templates: WriteTemplates,
) -> None:
    async def price(sku: str) -> str:
        await asyncio.sleep(0.01)
        return f"{sku}: 9.99"

    directory = write_templates({"p.html": "{% for s in skus %}[{{ price(s) }}]{% endfor %}"})
    rendered = await Templates([directory]).render_async("p.html", {"skus": "ab", "price": price})
    assert rendered == "[a: 9.99][b: 9.99]"


async def test_a_template_loops_over_an_async_iterable(write_templates: WriteTemplates) -> None:
    async def rows():
        for n in range(3):
            await asyncio.sleep(0)
            yield n

    directory = write_templates({"rows.html": "{% for n in rows %}{{ n }}{% endfor %}"})
    assert await Templates([directory]).render_async("rows.html", {"rows": rows()}) == "012"


async def test_inheritance_and_includes_find_templates_in_later_directories(
    write_templates: WriteTemplates,
) -> None:
    first = write_templates(
        {"page.html": '{% extends "base.html" %}{% block body %}page{% endblock %}'}, "first"
    )
    second = write_templates(
        {
            "base.html": '<main>{% block body %}{% endblock %}</main>{% include "foot.html" %}',
            "foot.html": "<footer>",
        },
        "second",
    )
    assert await Templates([first, second]).render_async("page.html") == (
        "<main>page</main><footer>"
    )


async def test_a_missing_template_names_the_directories_searched(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({})
    with pytest.raises(TemplateDoesNotExist) as raised:
        await Templates([directory, "/nowhere"]).render_async("gone.html")
    message = str(raised.value)
    assert "'gone.html' does not exist" in message
    assert str(directory) in message
    assert "/nowhere" in message
    assert isinstance(raised.value, jinja2.TemplateNotFound)  # Jinja2's own name catches it


async def test_a_missing_include_names_the_including_template(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({"page.html": 'one\n{% include "gone.html" %}\n'})
    with pytest.raises(TemplateDoesNotExist, match=r"gone\.html") as raised:
        await Templates([directory]).render_async("page.html")
    assert raised.value.template_debug.name == "page.html"  # type: ignore[attr-defined]
    assert raised.value.template_debug.line == 2  # type: ignore[attr-defined]


async def test_the_first_existing_template_of_a_list_is_used(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({"b.html": "b"})
    templates = Templates([directory])
    assert await templates.render_async(["a.html", "b.html"]) == "b"
    with pytest.raises(TemplateDoesNotExist, match=r"None of the templates 'x.html', 'y.html'"):
        templates.get_template(["x.html", "y.html"])


async def test_debug_renders_an_undefined_name_as_itself(write_templates: WriteTemplates) -> None:
    directory = write_templates({"typo.html": "[{{ nmae }}]"})
    assert await Templates([directory], debug=True).render_async("typo.html") == "[{{ nmae }}]"
    assert await Templates([directory]).render_async("typo.html") == "[]"


async def test_debug_reloads_a_template_whose_file_changed(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({"page.html": "old"})
    templates = Templates([directory], debug=True)
    assert await templates.render_async("page.html") == "old"
    page = directory / "page.html"
    page.write_text("new")
    # The loader compares modification times: make sure this one differs.
    stat = page.stat()
    os.utime(page, (stat.st_atime, stat.st_mtime + 10))
    assert await templates.render_async("page.html") == "new"


def test_templates_refuse_to_be_synchronous() -> None:
    with pytest.raises(ValueError, match="asynchronously"):
        Templates([], enable_async=False)


async def test_templates_made_from_strings_are_autoescaped() -> None:
    template = Templates([]).environment.from_string("{{ value }}")
    assert await template.render_async(value="<i>") == "&lt;i&gt;"


async def test_url_static_and_debug_work_outside_a_request(tmp_path: Path) -> None:
    async def item(request, pk):  # pragma: no cover - never called
        raise AssertionError

    (tmp_path / "links.html").write_text(
        "{{ url('item', pk=3) }} {{ url('item', 4) }} {{ static('css/site.css') }} {{ debug }}"
    )
    app = App([path("items/<int:pk>/", item, name="item")], templates=[tmp_path], debug=True)
    rendered = await app.templates.render_async("links.html")
    assert rendered == "/items/3/ /items/4/ /static/css/site.css True"


async def test_relative_template_directories_start_at_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "hi.html").write_text("hi")
    monkeypatch.chdir(tmp_path)
    app = App(templates=["pages"])
    assert app.templates.directories[0] == tmp_path / "pages"
    assert await app.templates.render_async("hi.html") == "hi"


def test_the_default_template_directory_is_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert App().templates.directories == (tmp_path / "templates",)


def test_template_directories_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGATO_TEMPLATES", f"{tmp_path / 'a'},{tmp_path / 'b'}")
    assert App().templates.directories == (tmp_path / "a", tmp_path / "b")


def test_filters_and_globals_are_added_on_the_environment(
    write_templates: WriteTemplates,
) -> None:
    templates = Templates([write_templates({})])
    templates.environment.filters["shout"] = str.upper
    assert asyncio.run(templates.environment.from_string("{{ 'a' | shout }}").render_async()) == "A"

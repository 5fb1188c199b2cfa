"""Where a template failed: name, line and source, attached to the exception."""

from __future__ import annotations

import jinja2
import pytest

from legato.templates import Templates
from legato.templates.debug import TemplateErrorSource, describe_template_error
from tests.templates.conftest import WriteTemplates

pytestmark = pytest.mark.anyio

LINES = "".join(f"line {n}\n" for n in range(1, 21))


def described(error: BaseException) -> TemplateErrorSource:
    source = getattr(error, "template_debug", None)
    assert isinstance(source, TemplateErrorSource)
    return source


async def test_a_runtime_error_names_the_innermost_template_and_line(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates(
        {
            "page.html": 'first\n{% include "parts/row.html" %}\n',
            "parts/row.html": LINES + "{{ 1 // 0 }}\n" + LINES,
        }
    )
    with pytest.raises(ZeroDivisionError) as raised:
        await Templates([directory]).render_async("page.html")
    source = described(raised.value)
    assert (source.name, source.line) == ("parts/row.html", 21)
    assert source.filename == str(directory / "parts" / "row.html")
    assert source.lines[0] == (16, "line 16")  # five lines each side
    assert source.lines[5] == (21, "{{ 1 // 0 }}")
    assert source.lines[-1] == (26, "line 5")
    assert "In template parts/row.html, line 21." in raised.value.__notes__


async def test_an_error_in_an_async_function_a_template_calls_names_the_calling_line(
    write_templates: WriteTemplates,
) -> None:
    async def lookup() -> str:
        raise LookupError("no such row")

    directory = write_templates({"page.html": "a\nb\n{{ lookup() }}\n"})
    with pytest.raises(LookupError) as raised:
        await Templates([directory]).render_async("page.html", {"lookup": lookup})
    assert (described(raised.value).name, described(raised.value).line) == ("page.html", 3)


async def test_a_syntax_error_names_its_template_and_line(write_templates: WriteTemplates) -> None:
    directory = write_templates(
        {"base.html": "ok\n{% block x %}\n", "page.html": "{% extends 'base.html' %}"}
    )
    with pytest.raises(jinja2.TemplateSyntaxError) as raised:
        await Templates([directory]).render_async("page.html")
    source = described(raised.value)
    assert source.name == "base.html"
    assert source.lines == ((1, "ok"), (2, "{% block x %}"))


async def test_an_error_in_a_template_made_from_a_string_has_no_file() -> None:
    templates = Templates([])
    with pytest.raises(ZeroDivisionError) as raised:
        await templates.render_async(templates.environment.from_string("{{ 1 // 0 }}"))
    source = described(raised.value)
    assert (source.name, source.line, source.lines) == ("<template>", 1, ())


def raise_and_describe(error: BaseException) -> None:
    try:
        raise error
    finally:
        describe_template_error(error, ())


def test_an_error_raised_outside_templates_is_left_alone() -> None:
    error = KeyError("x")
    with pytest.raises(KeyError):
        raise_and_describe(error)
    assert not hasattr(error, "template_debug")
    assert not hasattr(error, "__notes__")

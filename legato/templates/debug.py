"""Say where in a template an error happened: its name, line and the source around it.

Jinja2 rewrites the traceback of an error raised while rendering so that the template's
own frames point at the template file and line (their globals hold
`__jinja_exception__`); a syntax error carries its name, line and source itself. From
either, `describe_template_error` attaches a `TemplateErrorSource` to the exception as
`template_debug` (the attribute Django's debug page reads) for the `debug=True` page,
and a note ("In template page.html, line 3.") that every logged traceback shows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import jinja2

__all__ = ["TemplateErrorSource", "describe_template_error"]

# Lines shown on each side of the failing one.
_CONTEXT_LINES = 5


@dataclass(frozen=True, slots=True)
class TemplateErrorSource:
    """Where a template failed, for the debug page."""

    name: str  # as the app names it ("shop/product.html")
    filename: str | None
    line: int
    lines: tuple[tuple[int, str], ...]  # (number, text) around `line`


def describe_template_error(error: BaseException, directories: Sequence[Path]) -> None:
    """Attach the template, line and source where `error` was raised, if in a template.

    The first description stays: an error keeps the place where it was raised.
    """
    if getattr(error, "template_debug", None) is not None:
        return
    source = _from_syntax_error(error) or _from_traceback(error, directories)
    if source is None:
        return
    error.template_debug = source  # type: ignore[attr-defined]
    error.add_note(f"In template {source.name}, line {source.line}.")


def _from_syntax_error(error: BaseException) -> TemplateErrorSource | None:
    if not isinstance(error, jinja2.TemplateSyntaxError):
        return None
    name = error.name or error.filename or "<string>"
    text = error.source if error.source is not None else _read(error.filename)
    return TemplateErrorSource(name, error.filename, error.lineno, _around(text, error.lineno))


def _from_traceback(
    error: BaseException, directories: Sequence[Path]
) -> TemplateErrorSource | None:
    filename, line = None, 0
    tb: TracebackType | None = error.__traceback__
    while tb is not None:  # the innermost template frame is the most precise
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    if filename is None:
        return None
    name = _name_in(filename, directories)
    return TemplateErrorSource(name, filename, line, _around(_read(filename), line))


def _name_in(filename: str, directories: Sequence[Path]) -> str:
    """The template's name: its path below the directory it was found in."""
    path = Path(filename)
    for directory in directories:
        if path.is_relative_to(directory):
            return path.relative_to(directory).as_posix()
    return filename  # a template made from a string: "<template>"


def _read(filename: str | None) -> str | None:
    if filename is None or not os.path.isfile(filename):
        return None
    try:
        return Path(filename).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _around(text: str | None, line: int) -> tuple[tuple[int, str], ...]:
    if text is None:
        return ()
    lines = text.splitlines()
    first = max(line - _CONTEXT_LINES, 1)
    last = min(line + _CONTEXT_LINES, len(lines))
    return tuple((number, lines[number - 1]) for number in range(first, last + 1))

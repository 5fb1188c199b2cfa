"""The errors templates raise that a Django user catches by name."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import jinja2

__all__ = ["ContentNotRenderedError", "TemplateDoesNotExist"]


class TemplateDoesNotExist(jinja2.TemplateNotFound):
    """No template by that name in any directory searched; the message lists them.

    A subclass of Jinja2's `TemplateNotFound`, so code written for either catches it.
    """

    def __init__(
        self, name: str | Sequence[Any], directories: Sequence[str | os.PathLike[str]]
    ) -> None:
        names = [name] if isinstance(name, str) else [str(item) for item in name]
        self.directories = [os.fspath(directory) for directory in directories]
        wanted = (
            f"Template {names[0]!r} does not exist"
            if len(names) == 1
            else f"None of the templates {', '.join(map(repr, names))} exists"
        )
        if self.directories:
            where = "Searched: " + ", ".join(self.directories) + "."
        else:
            where = "No template directory is set."
        message = (
            f"{wanted}. {where} Put the file in one of them, or add its directory "
            "to App(templates=[...])."
        )
        super().__init__(names[-1], message)
        self.templates = list[str | jinja2.Undefined | None](names)


class ContentNotRenderedError(Exception):
    """A template response's content was read before the response was rendered."""

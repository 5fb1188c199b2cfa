"""Load and render an app's Jinja2 templates, asynchronously, on the app's event loop.

`Templates` is one app's Jinja2 environment (`App.templates`), built on first use from
the app's settings: the directories searched, in order (`directories.py` says which);
autoescaping for `.html`, `.htm` and `.xml` files and for templates made from strings;
`enable_async=True`, so that a template may call an async function and its value is
awaited, and `{% for %}` takes async iterables; the globals every template has
(`globals.py`). As Django's Jinja2 backend does, `debug=True` reloads a template whose
file changed and renders an undefined name as itself (`{{ nmae }}`), so a typo shows.

Rendering awaits (`render_async`), so it runs on the loop that runs the app's async
code: a template that awaits a database call uses the app's own connection pool.
Loading a template reads its file and compiles it once (Jinja2 keeps the compiled
template); that first load is the only blocking I/O, and it is short.

Errors keep what the debug page needs: `debug.describe_template_error` attaches the
template's name, line and source to any exception raised while loading or rendering.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from legato.templates.debug import describe_template_error
from legato.templates.exceptions import TemplateDoesNotExist

__all__ = ["TemplateName", "Templates"]

# A name, a list of names (the first that exists is used, as Django's select_template),
# or a template already loaded.
TemplateName = str | jinja2.Template | Sequence[str | jinja2.Template]


class Templates:
    """One app's Jinja2 environment; `environment` is there to add filters and globals."""

    def __init__(
        self,
        directories: Iterable[str | os.PathLike[str]] = (),
        *,
        debug: bool = False,
        globals: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        """`options` go to `jinja2.Environment`, over Legato's defaults."""
        self.directories = tuple(Path(directory).absolute() for directory in directories)
        settings: dict[str, Any] = {
            "loader": _Loader(self.directories),
            "autoescape": jinja2.select_autoescape(("html", "htm", "xml")),
            "enable_async": True,
            "auto_reload": debug,
            "undefined": jinja2.DebugUndefined if debug else jinja2.Undefined,
        }
        settings.update(options)
        if not settings["enable_async"]:
            raise ValueError(
                "Legato renders templates asynchronously; leave enable_async out of "
                "Templates(...) options."
            )
        self.environment = jinja2.Environment(**settings)
        self.environment.globals.update(globals or {})
        self.debug = debug

    def get_template(self, name: TemplateName) -> jinja2.Template:
        """The template called `name`, or the first of a list that exists.

        Raises `TemplateDoesNotExist`, naming the directories searched, when there is none.
        """
        try:
            return self.environment.get_or_select_template(name)  # type: ignore[arg-type]
        except TemplateDoesNotExist as missing:
            describe_template_error(missing, self.directories)
            raise
        except jinja2.TemplatesNotFound as missing:
            # select_template's own error, once every name in the list has failed.
            error = TemplateDoesNotExist(missing.templates, self.directories)
            describe_template_error(error, self.directories)
            raise error from None
        except Exception as error:  # a syntax error, in this template or one it extends
            describe_template_error(error, self.directories)
            raise

    async def render_async(
        self, name: TemplateName, context: Mapping[str, Any] | None = None
    ) -> str:
        """Render template `name` with `context` (and the globals); return the text."""
        template = self.get_template(name)
        try:
            return await template.render_async(dict(context or {}))
        except Exception as error:
            describe_template_error(error, self.directories)
            raise

    async def generate_async(
        self, name: TemplateName, context: Mapping[str, Any] | None = None
    ) -> AsyncIterator[str]:
        """Render template `name` piece by piece, as Jinja2 produces the text."""
        template = self.get_template(name)
        pieces = template.generate_async(dict(context or {}))
        try:
            async for piece in pieces:
                yield piece
        except Exception as error:
            describe_template_error(error, self.directories)
            raise
        finally:
            await pieces.aclose()

    def __repr__(self) -> str:
        searched = ", ".join(str(directory) for directory in self.directories) or "nothing"
        return f"<Templates searching {searched}>"


class _Loader(jinja2.FileSystemLoader):
    """Jinja2's file loader, whose error for a missing template says where it looked."""

    def __init__(self, directories: Sequence[Path]) -> None:
        super().__init__(directories)
        self.directories = directories

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except TemplateDoesNotExist:
            raise
        except jinja2.TemplateNotFound:
            raise TemplateDoesNotExist(template, self.directories) from None

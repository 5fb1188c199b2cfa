"""Jinja2 templates, rendered asynchronously: the engine, lazy responses and their errors.

- engine.py: `Templates`, one app's Jinja2 environment (`App.templates`).
- directories.py: where an app's templates are searched. globals.py: what every
  template can use (`url`, `static`, `request`...).
- response.py: `TemplateResponse` (rendered by the handler once the view has returned),
  `StreamingTemplateResponse` (sent as it renders, grouped by chunks.py).
- debug.py: the template, line and source an error was raised at, for the debug page.

`legato.shortcuts.render()` is the usual way in.
"""

from legato.templates.engine import Templates
from legato.templates.exceptions import ContentNotRenderedError, TemplateDoesNotExist
from legato.templates.response import (
    SimpleTemplateResponse,
    StreamingTemplateResponse,
    TemplateResponse,
)

__all__ = [
    "ContentNotRenderedError",
    "SimpleTemplateResponse",
    "StreamingTemplateResponse",
    "TemplateDoesNotExist",
    "TemplateResponse",
    "Templates",
]

"""Render the chat's HTML pages, escaping every value that came from a user.

The templates are plain HTML files beside this module, read once; `string.Template`
fills them with values that have all gone through `html.escape` first.
"""

from __future__ import annotations

import functools
import html
import time
from collections.abc import Mapping
from pathlib import Path
from string import Template

from examples.chat.storage import StoredMessage

__all__ = ["STATIC_DIR", "render", "transcript"]

HERE = Path(__file__).parent / "static"
# The chat's stylesheet and script, under static/chat/: an app that includes the chat's
# URLs lists this in App(static_dirs=[...]) and they are served at /static/chat/....
STATIC_DIR = str(HERE)


@functools.cache
def _template(name: str) -> Template:
    return Template((HERE / name).read_text(encoding="utf-8"))


def render(name: str, markup: Mapping[str, str] | None = None, **values: str) -> str:
    """Fill template `name` with `values`, each HTML-escaped, and `markup`, HTML made here."""
    escaped = {key: html.escape(value) for key, value in values.items()}
    return _template(name).substitute({**escaped, **(markup or {})})


def transcript(messages: list[StoredMessage]) -> str:
    """The room's history as list items (escaped), for browsers before the script runs."""
    return "\n".join(
        '<li class="message"><span class="time">{}</span> <b class="nick">{}</b> '
        '<span class="text">{}</span></li>'.format(
            time.strftime("%H:%M", time.localtime(message.sent_at)),
            html.escape(message.nick),
            html.escape(message.text),
        )
        for message in messages
    )

"""What the social pages need besides their templates: static files, checked text, times.

`STATIC_DIR` is the directory of the site's stylesheet and script (static/social/),
which an app that includes the site's URLs lists in `App(static_dirs=[...])`.
"""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from examples.social.models import MAX_POST

__all__ = ["STATIC_DIR", "clean_post", "posted_at"]

STATIC_DIR = str(Path(__file__).parent / "static")
_SPACES = re.compile(r"[^\S\n]+")


def clean_post(raw: object) -> str:
    """A post's text: 1 to MAX_POST characters, control characters other than newlines
    removed, runs of spaces collapsed; ValueError with the reason otherwise."""
    if not isinstance(raw, str):
        raise ValueError("Write something to post.")
    kept = "".join(c for c in raw if c == "\n" or unicodedata.category(c)[0] != "C")
    text = _SPACES.sub(" ", kept).strip()
    if not text:
        raise ValueError("Write something to post.")
    if len(text) > MAX_POST:
        raise ValueError(f"A post has at most {MAX_POST} characters (this one has {len(text)}).")
    return text


def posted_at(seconds: float) -> str:
    """When a post was made, in UTC, as the pages show it before the script localises it."""
    return time.strftime("%d %b %Y, %H:%M UTC", time.gmtime(seconds))

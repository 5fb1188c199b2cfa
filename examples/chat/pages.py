"""What the chat's pages need besides their templates (templates/chat/, autoescaped).

The static files the pages link to (`STATIC_FILES`, `static_file`) and `clock`, the
time of a message as the transcript shows it.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

__all__ = ["STATIC_FILES", "clock", "static_file"]

HERE = Path(__file__).parent / "static"
STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}


@functools.cache
def static_file(name: str) -> bytes:
    return (HERE / name).read_bytes()


def clock(sent_at: float) -> str:
    """A message's time in the server's zone, hours and minutes ("14:05")."""
    return time.strftime("%H:%M", time.localtime(sent_at))

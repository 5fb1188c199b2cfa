"""What the chat's pages need besides their templates (templates/chat/, autoescaped).

Where the static files the pages link to live (`STATIC_DIR`, served by the app's static
file layer) and `clock`, the time of a message as the transcript shows it.
"""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["STATIC_DIR", "clock"]

HERE = Path(__file__).parent / "static"
# The chat's stylesheet and script, under static/chat/: an app that includes the chat's
# URLs lists this in App(static_dirs=[...]) and they are served at /static/chat/....
STATIC_DIR = str(HERE)


def clock(sent_at: float) -> str:
    """A message's time in the server's zone, hours and minutes ("14:05")."""
    return time.strftime("%H:%M", time.localtime(sent_at))

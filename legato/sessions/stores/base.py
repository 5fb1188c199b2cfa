"""What a session store does, and what every store shares.

A store keeps session data under a key for a number of seconds. Its methods are
coroutines; a store whose methods never wait (`needs_io = False`: signed cookies) can be
driven from sync code anywhere, so `request.session`'s sync methods work in async views
too. The others are awaited on the app's event loop, where their connections live.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any, ClassVar, Protocol

__all__ = ["SessionStore", "SessionTooLarge", "is_valid_key", "new_session_key", "security_logger"]

# Tampered, expired and undecodable session data: expected from the internet, so DEBUG.
security_logger = logging.getLogger("legato.security.sessions")

_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")


class SessionTooLarge(Exception):
    """The session's data does not fit where the store keeps it (a 4 KB cookie)."""


class SessionStore(Protocol):
    """Where session data lives between requests."""

    name: ClassVar[str]  # the session_store setting that selects it
    needs_io: ClassVar[bool]  # False: no method ever waits, so sync code may run them

    async def load(self, session_key: str) -> dict[str, Any] | None:
        """The data saved under `session_key`, or None (unknown, expired, tampered)."""
        ...

    async def save(self, session_key: str | None, data: dict[str, Any], max_age: int) -> str:
        """Keep `data` for `max_age` seconds; return its key (a new one if None given)."""
        ...

    async def delete(self, session_key: str) -> None:
        """Forget the data saved under `session_key` (nothing if there is none)."""
        ...

    async def close(self) -> None:
        """Release connections (at app shut-down)."""
        ...


def new_session_key() -> str:
    """A fresh random key: 256 bits, URL- and cookie-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def is_valid_key(session_key: str) -> bool:
    """Whether a key from a cookie could be one of ours (so a store need not look)."""
    return _KEY_PATTERN.fullmatch(session_key) is not None

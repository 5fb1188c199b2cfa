"""`get_messages()` in templates: the request's messages, read without blocking.

A template global (legato/templates/globals.py). It returns a coroutine, which Jinja2's
async mode awaits, so a session in a store with I/O is read on the loop without a
blocking call: `{% for message in get_messages() %}{{ message }}{% endfor %}`.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from legato.messages.storage import Message, SessionStorage

__all__ = ["get_messages"]


@pass_context
def get_messages(context: Context) -> Coroutine[Any, Any, list[Message]]:
    """The messages of the request being rendered (none outside a request)."""
    return _messages(getattr(context.get("request"), "_messages", None))


async def _messages(storage: object) -> list[Message]:
    if not isinstance(storage, SessionStorage):
        return []
    return await storage.aload()

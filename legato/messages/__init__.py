"""Flash messages: a note for the next page the user sees, kept in the session.

`messages.success(request, "Saved.")` in a view, `{% for message in get_messages() %}` in
a template, with Django's names and levels (`legato.messages.constants`). Needs
`SessionMiddleware` then `MessageMiddleware` in `App(middleware=[...])`. docs/messages.md
is the guide.
"""

from legato.messages.api import (
    MessageFailure,
    add_message,
    debug,
    error,
    get_level,
    get_messages,
    info,
    set_level,
    success,
    warning,
)
from legato.messages.constants import (
    DEBUG,
    DEFAULT_LEVELS,
    DEFAULT_TAGS,
    ERROR,
    INFO,
    SUCCESS,
    WARNING,
)
from legato.messages.middleware import MessageMiddleware
from legato.messages.storage import Message, SessionStorage

__all__ = [
    "DEBUG",
    "DEFAULT_LEVELS",
    "DEFAULT_TAGS",
    "ERROR",
    "INFO",
    "SUCCESS",
    "WARNING",
    "Message",
    "MessageFailure",
    "MessageMiddleware",
    "SessionStorage",
    "add_message",
    "debug",
    "error",
    "get_level",
    "get_messages",
    "info",
    "set_level",
    "success",
    "warning",
]

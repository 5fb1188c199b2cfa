"""Add and read flash messages: Django's `django.contrib.messages` functions."""

from __future__ import annotations

from typing import Any

from legato.messages import constants
from legato.messages.storage import Message, SessionStorage

__all__ = [
    "MessageFailure",
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


class MessageFailure(Exception):
    """A message was added to a request that MessageMiddleware did not handle."""


def _storage(request: Any) -> SessionStorage | None:
    storage = getattr(request, "_messages", None)
    return storage if isinstance(storage, SessionStorage) else None


def add_message(
    request: Any, level: int, message: Any, extra_tags: str = "", fail_silently: bool = False
) -> None:
    """Queue `message` for the next page the user sees (no I/O: saved after the view)."""
    storage = _storage(request)
    if storage is not None:
        storage.add(level, message, extra_tags)
    elif not fail_silently:
        raise MessageFailure(
            "Messages need legato.messages.MessageMiddleware (after SessionMiddleware) in "
            "App(middleware=[...]); pass fail_silently=True to ignore this."
        )


def get_messages(request: Any) -> SessionStorage | list[Message]:
    """The request's messages: iterate (`for`, or `async for` in an async view) to show them."""
    storage = _storage(request)
    return [] if storage is None else storage


def get_level(request: Any) -> int:
    """The lowest level recorded for this request (INFO unless set_level changed it)."""
    storage = _storage(request)
    return constants.INFO if storage is None else storage.level


def set_level(request: Any, level: int | None) -> bool:
    """Record only messages of `level` or above for this request; None restores INFO."""
    storage = _storage(request)
    if storage is None:
        return False
    storage.level = level
    return True


def debug(request: Any, message: Any, extra_tags: str = "", fail_silently: bool = False) -> None:
    add_message(request, constants.DEBUG, message, extra_tags, fail_silently)


def info(request: Any, message: Any, extra_tags: str = "", fail_silently: bool = False) -> None:
    add_message(request, constants.INFO, message, extra_tags, fail_silently)


def success(request: Any, message: Any, extra_tags: str = "", fail_silently: bool = False) -> None:
    add_message(request, constants.SUCCESS, message, extra_tags, fail_silently)


def warning(request: Any, message: Any, extra_tags: str = "", fail_silently: bool = False) -> None:
    add_message(request, constants.WARNING, message, extra_tags, fail_silently)


def error(request: Any, message: Any, extra_tags: str = "", fail_silently: bool = False) -> None:
    add_message(request, constants.ERROR, message, extra_tags, fail_silently)

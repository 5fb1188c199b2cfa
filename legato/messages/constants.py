"""Message levels and their tags, with Django's values."""

from __future__ import annotations

__all__ = ["DEBUG", "DEFAULT_LEVELS", "DEFAULT_TAGS", "ERROR", "INFO", "SUCCESS", "WARNING"]

DEBUG = 10
INFO = 20
SUCCESS = 25
WARNING = 30
ERROR = 40

DEFAULT_TAGS = {
    DEBUG: "debug",
    INFO: "info",
    SUCCESS: "success",
    WARNING: "warning",
    ERROR: "error",
}
DEFAULT_LEVELS = {tag.upper(): level for level, tag in DEFAULT_TAGS.items()}

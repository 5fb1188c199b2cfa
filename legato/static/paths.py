"""The one guard between a requested name and the filesystem: nothing outside leaks.

`safe_name` rejects what could climb or confuse (empty segments, `.` and `..`,
backslashes, NUL and other control characters, drive letters, an absolute path);
`inside` resolves symlinks and checks that the real file still lies under its
directory. A static request goes through both before anything is opened.
"""

from __future__ import annotations

import os

__all__ = ["inside", "safe_name"]

_MAX_NAME = 1024


def safe_name(name: str) -> str | None:
    """`name` when it is a plain relative path of normal segments, else None."""
    if not name or len(name) > _MAX_NAME or name.startswith("/"):
        return None
    if "\\" in name or any(ord(char) < 0x20 or char == "\x7f" for char in name):
        return None
    segments = name.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return None
    if ":" in segments[0]:
        return None  # "C:..." is absolute on Windows
    return name


def inside(directory: str, name: str) -> str | None:
    """The real path of `directory/name` if it is a regular file inside `directory`."""
    root = os.path.realpath(directory)
    candidate = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath((root, candidate)) != root:
        return None  # a symlink out of the directory
    return candidate if os.path.isfile(candidate) else None

"""The files a static request may be answered with, and what each answer needs to say.

Two sources, chosen at start-up (`StaticTable.load`):

- production: `static_root` holds a manifest written by `legato collectstatic`. The
  directory is walked once and every file (with its `.br` / `.gz` siblings) is put in a
  dict, so a request costs one lookup and no filesystem call before the file is opened.
  Names the manifest maps to are hashed: they never change, and are cached for a year.
- development: no manifest, so each request looks its name up in `static_dirs` in turn
  (the guard in `paths`, then one `stat`); an edited file is served at once, with a short
  max-age.
"""

from __future__ import annotations

import json
import mimetypes
import os
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from legato.exceptions import ImproperlyConfigured
from legato.static.paths import inside, safe_name

__all__ = ["MANIFEST_NAME", "Representation", "StaticFile", "StaticTable", "read_manifest"]

MANIFEST_NAME = "staticfiles.json"
IMMUTABLE = "public, max-age=31536000, immutable"
# The start-up table keeps files up to SMALL_FILE bytes in memory, up to MEMORY_BUDGET in
# all per process: most stylesheets, scripts and icons are then answered with no thread
# hop and no system call (measured in docs/static-files.md); larger files are streamed.
SMALL_FILE = 64 * 1024
MEMORY_BUDGET = 32 * 1024 * 1024
# The content codings written beside a file, in the order the server prefers them.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_TEXT_TYPES = frozenset(
    ["application/javascript", "application/json", "application/xml", "image/svg+xml"]
)


@dataclass(frozen=True, slots=True)
class Representation:
    """One file on disk that answers for a name: the plain file or a compressed copy."""

    path: str
    size: int
    etag: str
    content: bytes | None = None  # small files of the start-up table, read once

    @classmethod
    def of(cls, path: str, stat: os.stat_result, content: bytes | None = None) -> Representation:
        # Size and modification time, as WhiteNoise and nginx do: no read needed, and
        # different for each copy (a strong ETag names one representation).
        return cls(path, stat.st_size, f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"', content)


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A servable name: its plain file, compressed copies, and fixed headers."""

    plain: Representation
    content_type: str
    last_modified: str
    modified: float
    cache_control: str
    encoded: dict[str, Representation] = field(default_factory=dict)

    def for_encodings(self, accepted: frozenset[str]) -> tuple[str | None, Representation]:
        """The best copy for the accepted codings: br, then gzip, else the plain file."""
        for coding, _ in ENCODINGS:
            if coding in accepted and coding in self.encoded:
                return coding, self.encoded[coding]
        return None, self.plain


def content_type_for(name: str) -> str:
    guessed, encoding = mimetypes.guess_type(name)
    if guessed is None or encoding is not None:
        return "application/octet-stream"
    if guessed.startswith("text/") or guessed in _TEXT_TYPES:
        return f"{guessed}; charset=utf-8"
    return guessed


def _static_file(
    name: str,
    path: str,
    stat: os.stat_result,
    cache_control: str,
    encoded: dict[str, Representation],
    plain: Representation | None = None,
) -> StaticFile:
    return StaticFile(
        plain=plain or Representation.of(path, stat),
        content_type=content_type_for(name),
        last_modified=formatdate(stat.st_mtime, usegmt=True),
        modified=float(int(stat.st_mtime)),  # HTTP dates have whole seconds
        cache_control=cache_control,
        encoded=encoded,
    )


def read_manifest(root: str | os.PathLike[str]) -> dict[str, str] | None:
    """The manifest's map of names to hashed names; None when `root` has no manifest."""
    path = Path(root) / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        paths = json.loads(text)["paths"]
    except (ValueError, KeyError, TypeError):
        raise ImproperlyConfigured(
            f"{path} is not a manifest written by `legato collectstatic`; run it again."
        ) from None
    return {str(key): str(value) for key, value in paths.items()}


class StaticTable:
    """Look up a requested name; `load` picks the production or development source."""

    def __init__(
        self,
        files: dict[str, StaticFile] | None,
        directories: tuple[str, ...],
        manifest: dict[str, str],
        max_age: int,
    ) -> None:
        self.files = files
        self.directories = directories
        self.manifest = manifest
        self.short_cache = f"public, max-age={max_age}"

    @classmethod
    def load(
        cls, static_root: str | None, static_dirs: tuple[str, ...], max_age: int
    ) -> StaticTable:
        manifest = read_manifest(static_root) if static_root else None
        if static_root and manifest is not None:
            files = _walk_root(static_root, set(manifest.values()), f"public, max-age={max_age}")
            return cls(files, (), manifest, max_age)
        for directory in static_dirs:
            if not os.path.isdir(directory):
                raise ImproperlyConfigured(
                    f"static_dirs names {directory!r}, which is not a directory (relative "
                    f"to {os.getcwd()!r}); create it, or give an absolute path."
                )
        return cls(None, static_dirs, {}, max_age)

    def find(self, name: str) -> StaticFile | None:
        """The file for a requested name (already percent-decoded), or None."""
        if self.files is not None:
            return self.files.get(name)
        checked = safe_name(name)
        if checked is None:
            return None
        for directory in self.directories:
            path = inside(directory, checked)
            if path is not None:
                return _static_file(checked, path, os.stat(path), self.short_cache, {})
        return None


def _walk_root(root: str, hashed: set[str], short_cache: str) -> dict[str, StaticFile]:
    real_root = os.path.realpath(root)
    names = set()
    for directory, _, filenames in os.walk(real_root):
        for filename in filenames:
            relative = os.path.relpath(os.path.join(directory, filename), real_root)
            names.add(relative.replace(os.sep, "/"))
    names.discard(MANIFEST_NAME)
    files = {}
    memory = _Memory(MEMORY_BUDGET)
    for name in sorted(names):
        if any(name.endswith(suffix) and name[: -len(suffix)] in names for _, suffix in ENCODINGS):
            continue  # a compressed copy, served for its original's name
        path = inside(real_root, name) if safe_name(name) else None
        if path is None:
            continue  # a symlink out of the root, or a name a request could not reach
        encoded = {
            coding: memory.representation(copy)
            for coding, suffix in ENCODINGS
            if name + suffix in names and (copy := inside(real_root, name + suffix))
        }
        cache = IMMUTABLE if name in hashed else short_cache
        plain = memory.representation(path)
        files[name] = _static_file(name, path, os.stat(path), cache, encoded, plain)
    return files


class _Memory:
    """Read small files into their representation while the budget lasts."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def representation(self, path: str) -> Representation:
        stat = os.stat(path)
        if stat.st_size > SMALL_FILE or stat.st_size > self.left:
            return Representation.of(path, stat)
        with open(path, "rb") as file:
            content = file.read()
        if len(content) != stat.st_size:
            return Representation.of(path, os.stat(path))  # changing under us: stream it
        self.left -= len(content)
        return Representation.of(path, stat, content)

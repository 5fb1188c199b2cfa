"""Copy static files into one directory for production: `legato collectstatic`.

For each file of `static_dirs` (the first directory that has a name wins, as with
Django's finders) it writes, under `static_root`: the file under its own name, a copy
named `name.<hash>.ext` (12 hex digits of its SHA-256, so the name changes when the
content does), and for text-like files `.br` and `.gz` copies of both when they are
smaller. The manifest (`staticfiles.json`, `{"version": 1, "paths": {name: hashed}}`) is
written last, so a server never reads a manifest whose files are not there yet.
References inside CSS (`url(...)`) are not rewritten: reference hashed names from
templates with `static()`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import brotli

from legato.exceptions import ImproperlyConfigured
from legato.static.paths import inside, safe_name
from legato.static.table import MANIFEST_NAME, content_type_for

__all__ = ["Collected", "collectstatic", "hashed_name"]

# Smaller files gain nothing worth a second request path; see docs/static-files.md.
_MIN_COMPRESS_SIZE = 256
# A copy must save at least this share of the bytes to be worth its CPU on the client.
_MAX_RATIO = 0.95
_COMPRESSIBLE_PREFIXES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)


@dataclass(frozen=True)
class Collected:
    """What one run wrote: files collected, and compressed copies written."""

    files: int
    compressed: int


def hashed_name(name: str, content: bytes) -> str:
    """`dir/app.css` -> `dir/app.<12 hex digits>.css`."""
    stem, extension = os.path.splitext(name)
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{extension}"


def collectstatic(static_dirs: tuple[str, ...] | list[str], static_root: str) -> Collected:
    """Collect `static_dirs` into `static_root` with hashed names, a manifest, .br/.gz."""
    if not static_root:
        raise ImproperlyConfigured(
            "collectstatic needs a destination: pass App(static_root='...') or set "
            "LEGATO_STATIC_ROOT."
        )
    root = Path(static_root)
    paths: dict[str, str] = {}
    compressed = 0
    for name, source in _sources(static_dirs, root).items():
        content = Path(source).read_bytes()
        paths[name] = hashed_name(name, content)
        for target in (name, paths[name]):
            compressed += _write(root / target, content)
    manifest = json.dumps({"version": 1, "paths": dict(sorted(paths.items()))}, indent=1)
    _atomic_write(root / MANIFEST_NAME, manifest.encode())
    return Collected(len(paths), compressed)


def _sources(static_dirs: tuple[str, ...] | list[str], root: Path) -> dict[str, str]:
    real_root = os.path.realpath(root)
    found: dict[str, str] = {}
    for directory in static_dirs:
        if not os.path.isdir(directory):
            raise ImproperlyConfigured(
                f"static_dirs names {directory!r}, which is not a directory."
            )
        if os.path.realpath(directory) == real_root:
            raise ImproperlyConfigured("static_root must not be one of static_dirs.")
        for name in _names_under(directory):
            path = inside(directory, name) if safe_name(name) else None
            if path is not None:  # skips symlinks out of the directory
                found.setdefault(name, path)
    return found


def _names_under(directory: str) -> list[str]:
    names = []
    for folder, _, filenames in os.walk(directory):
        for filename in filenames:
            relative = os.path.relpath(os.path.join(folder, filename), directory)
            names.append(relative.replace(os.sep, "/"))
    return sorted(names)


def _write(target: Path, content: bytes) -> int:
    """Write a file and its worthwhile compressed copies; return how many copies."""
    _atomic_write(target, content)
    if len(content) < _MIN_COMPRESS_SIZE or not _compressible(target.name):
        return 0
    written = 0
    copies = (
        (".br", brotli.compress(content, quality=11)),
        (".gz", gzip.compress(content, compresslevel=9, mtime=0)),
    )
    for suffix, data in copies:
        if len(data) <= len(content) * _MAX_RATIO:
            _atomic_write(target.with_name(target.name + suffix), data)
            written += 1
    return written


def _compressible(name: str) -> bool:
    return content_type_for(name).startswith(_COMPRESSIBLE_PREFIXES)


def _atomic_write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)

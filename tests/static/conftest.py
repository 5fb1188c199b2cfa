"""Static file trees for the tests: source dirs, a secret beside them, a collected root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from legato.static import collectstatic

CSS = b"body { color: #333; margin: 0 auto; }\n" * 40
SECRET = b"TOP-SECRET-CONTENT"
BIG = bytes(range(256)) * 1024  # 256 KiB


@dataclass(frozen=True)
class Tree:
    static: Path
    root: Path
    secret: Path


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """static/{site.css, app.js, logo.png, video.bin, data/ten.txt, out -> ../secret.txt,
    up -> ..}, and collected/ from it."""
    static = tmp_path / "static"
    (static / "data").mkdir(parents=True)
    (static / "site.css").write_bytes(CSS)
    (static / "app.js").write_bytes(b"console.log('hello');\n" * 30)
    (static / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (static / "data" / "ten.txt").write_bytes(b"0123456789")
    (static / "video.bin").write_bytes(BIG)  # larger than SMALL_FILE: streamed, not kept
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    os.symlink(secret, static / "out")
    os.symlink(tmp_path, static / "up")
    root = tmp_path / "collected"
    collectstatic([str(static)], str(root))
    return Tree(static, root, secret)

"""Decide which directories an app's templates are searched in, in order.

First the app's own list (`App(templates=[...])`, default `["templates"]`), each taken
relative to the working directory when the app starts unless absolute. Then, unless
`template_app_dirs=False`, the `templates` directory beside each module that defines a
view the app routes to, in the order of the URL table: Django's `APP_DIRS`, with the
packages whose views are routed standing for Django's installed apps. So an included
app (`include("examples.chat.urls")`) brings its templates without the project listing
them; name them under a folder of the app's name (`chat/lobby.html`) so that two apps'
`index.html` never meet.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["template_directories"]


def template_directories(
    configured: Iterable[str | os.PathLike[str]],
    views: Iterable[object] = (),
    *,
    app_dirs: bool = True,
) -> list[Path]:
    """The directories to search: `configured`, then those beside the modules of `views`."""
    found = [Path(directory).absolute() for directory in configured]
    if app_dirs:
        modules = dict.fromkeys(getattr(view, "__module__", None) for view in views)
        for module in modules:  # once each, in the order of the URL table
            directory = _beside(module)
            if directory is not None and directory not in found:
                found.append(directory)
    return found


def _beside(module_name: str | None) -> Path | None:
    """The `templates` directory next to module `module_name`, if it has one."""
    module = sys.modules.get(module_name or "")
    filename = getattr(module, "__file__", None)
    if not filename:
        return None
    directory = Path(filename).absolute().parent / "templates"
    return directory if directory.is_dir() else None

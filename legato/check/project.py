"""Decide which code is the project's own: the only code `legato check` reads.

The project is every Python file under the directory that holds the app's top-level
package (the directory `legato check` imported it from), except installed packages, the
standard library and Legato itself: those are not the user's to fix.
"""

from __future__ import annotations

import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Project"]

_INSTALLED = {"site-packages", "dist-packages"}


def _default_excluded() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    legato_dir = Path(__file__).resolve().parents[1]
    return (*(Path(paths[name]).resolve() for name in names if name in paths), legato_dir)


@dataclass(frozen=True)
class Project:
    root: Path
    excluded: tuple[Path, ...] = field(default_factory=_default_excluded)

    @classmethod
    def of_module(cls, module_name: str) -> Project:
        """The project around `module_name` (imported): the directory of its top package."""
        top = sys.modules[module_name.partition(".")[0]]
        locations = list(getattr(top, "__path__", ()))  # a package, perhaps a namespace one
        if locations:
            return cls(Path(locations[0]).resolve().parent)
        file = getattr(top, "__file__", None)
        return cls(Path(file).resolve().parent if file else Path.cwd())

    def contains(self, filename: str) -> bool:
        """Whether the source file `filename` is the project's own code."""
        if not filename.endswith(".py"):
            return False  # "<string>", frozen modules, compiled extensions
        path = Path(filename).resolve()
        if not path.is_relative_to(self.root) or _INSTALLED.intersection(path.parts):
            return False
        return not any(path.is_relative_to(excluded) for excluded in self.excluded)

"""Every public import path keeps working: what the docs import, and every `__all__`.

Three sources of names: the imports in every ```python block of docs/*.md and the
README (run or not), the `__all__` of every legato module as it is now, and
tests/public_api.txt, the public modules' `__all__` as they were when it was written
(names may be added to a module, never taken away: a name a user imports is a contract).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import legato

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
# Importable from legato.http.response, though not in its __all__, since before it was
# split into modules: other code imported them from there.
ALSO_PUBLIC = {
    "legato.http.response": ["HeaderSource", "StreamSource", "content_disposition_header"],
}


def imported_in_docs() -> list[tuple[str, str | None]]:
    """(module, name) for each `from legato... import name`, (module, None) for `import`."""
    found: set[tuple[str, str | None]] = set()
    for page in PAGES:
        for block in BLOCK.findall(page.read_text()):
            for node in ast.walk(ast.parse(block, str(page))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("legato"):
                    found.update((node.module or "", alias.name) for alias in node.names)
                elif isinstance(node, ast.Import):
                    found.update((a.name, None) for a in node.names if a.name.startswith("legato"))
    return sorted(found, key=str)


def legato_modules() -> list[str]:
    return ["legato", *(m.name for m in pkgutil.walk_packages(legato.__path__, "legato."))]


def recorded_names() -> list[tuple[str, str]]:
    pairs = [(module, name) for module, names in ALSO_PUBLIC.items() for name in names]
    for line in (ROOT / "tests" / "public_api.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            module, _, names = line.partition(":")
            pairs.extend((module, name) for name in names.split())
    return pairs


def assert_importable(module_name: str, name: str | None) -> None:
    module = importlib.import_module(module_name)
    if name is not None and not hasattr(module, name):
        importlib.import_module(f"{module_name}.{name}")  # `from package import submodule`


def test_docs_import_something() -> None:
    assert ("legato.http", "JsonResponse") in imported_in_docs()


@pytest.mark.parametrize(("module", "name"), imported_in_docs(), ids=str)
def test_every_name_the_docs_import_is_importable(module: str, name: str | None) -> None:
    assert_importable(module, name)


@pytest.mark.parametrize("module", legato_modules())
def test_every_name_in_an_all_is_defined(module: str) -> None:
    imported = importlib.import_module(module)
    missing = [name for name in getattr(imported, "__all__", ()) if not hasattr(imported, name)]
    assert not missing, f"{module}.__all__ names what the module does not define: {missing}"


@pytest.mark.parametrize(("module", "name"), recorded_names(), ids=str)
def test_every_public_name_recorded_is_still_importable(module: str, name: str) -> None:
    assert_importable(module, name)

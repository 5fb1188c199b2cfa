"""Every ```python block in docs/ runs, in order, page by page: the docs cannot rot.

Blocks in one page share a namespace, so a page can define an app in one block and
test it in the next. A block whose first line is `# not run` is skipped (used only for
snippets that need a server or a file the test does not have).
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
PAGES = sorted(page for page in DOCS.glob("*.md") if BLOCK.search(page.read_text()))


def test_docs_have_runnable_examples() -> None:
    assert PAGES, "no docs page has a ```python example"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_docs_page_examples_run(page: Path) -> None:
    # A real module, registered while it runs: libraries that look classes up by their
    # module (SQLAlchemy's annotations, pickling) see what a user's module would give them.
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module
    try:
        for number, block in enumerate(BLOCK.findall(page.read_text()), start=1):
            if block.startswith("# not run"):
                continue
            code = compile(block, f"{page.name} (block {number})", "exec")
            exec(code, module.__dict__)
    finally:
        del sys.modules[module.__name__]

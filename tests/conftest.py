"""Shared fixtures: the anyio backend, and `both`, which holds ASGI and WSGI to one answer."""

from collections.abc import Iterator

import pytest

# Before the import: a difference between the servers is then shown field by field.
pytest.register_assert_rewrite("tests.parity")

from tests.parity import AppFactory, Both, ServeBoth  # noqa: E402


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def both() -> Iterator[ServeBoth]:
    """`both(factory)` serves an app through ASGI and WSGI; see tests/parity.py.

    Use it wherever a behaviour must not depend on the server: each request goes to both
    copies of the app, and any difference in the answer fails the test.
    """
    pairs: list[Both] = []

    def serve(factory: AppFactory, script_name: str = "") -> Both:
        pair = Both(factory, script_name)
        pairs.append(pair)
        return pair

    yield serve
    for pair in pairs:
        pair.close()

"""A redis-server for the module's tests (skipped where the binary is missing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.redis_server import running_redis


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url

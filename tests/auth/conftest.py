"""An app with users in an in-memory SQLite database, and cheap Argon2 parameters.

Real parameters cost ~0.1 s a hash; the tests that are about time set their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from legato import App
from legato.auth.models import Base
from legato.context import current_app

# Argon2's floor: fast enough for hundreds of hashes in a test run.
FAST_HASHING: dict[str, Any] = {
    "password_hash_time_cost": 1,
    "password_hash_memory_cost": 8,
    "password_hash_parallelism": 1,
}
MEMORY_DATABASE = "sqlite+aiosqlite:///:memory:"


def make_app(urlpatterns: Any = (), **settings: Any) -> App:
    """An app with the auth tables created at start-up, fast hashing, a secret key."""
    app: App

    async def create_tables() -> None:
        assert app.database is not None
        await app.database.create_all(Base.metadata)

    settings = {**FAST_HASHING, "secret_key": "test-secret-key", **settings}
    settings.setdefault("database", MEMORY_DATABASE)
    settings.setdefault("on_startup", [create_tables])
    app = App(urlpatterns, **settings)
    return app


@pytest.fixture
async def app() -> AsyncIterator[App]:
    """An app that is not served, set as the current one, with its tables created."""
    app = make_app()
    assert app.database is not None
    await app.database.create_all(Base.metadata)
    token = current_app.set(app)
    try:
        yield app
    finally:
        current_app.reset(token)
        await app.database.dispose()
        app.thread_pool.shutdown()

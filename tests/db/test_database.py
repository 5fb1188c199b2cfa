"""Database: the engine tied to the app's life, sessions, and the settings that make one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from legato import App
from legato.db import Database
from legato.exceptions import ImproperlyConfigured
from legato.test import Client
from legato.test.lifespan import LifespanFailed
from tests.db.test_request_session import Base, Note, urlpatterns


def test_database_true_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = App(urlpatterns, database=True, on_startup=[])
    assert app.database is not None
    with Client(app) as client:
        client.get("/plain/")
    assert (tmp_path / "legato.sqlite3").exists()


def test_environment_url_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'from-env.sqlite3'}"
    monkeypatch.setenv("LEGATO_DATABASE_URL", url)
    app = App(urlpatterns, database="sqlite+aiosqlite:///ignored.sqlite3")
    assert app.database is not None
    assert app.database.url == url


def test_unreachable_database_fails_start_up_naming_it() -> None:
    app = App(urlpatterns, database="postgresql+asyncpg://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(LifespanFailed, match="database connection"), Client(app):
        pass
    assert "secret" not in repr(app.database)


def test_bad_database_setting_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="not understood"):
        App([], database=42)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_database_session_context_manager_commits_and_rolls_back() -> None:
    database = Database("sqlite+aiosqlite:///:memory:")
    try:
        await database.create_all(Base.metadata)
        async with database.session() as session:
            session.add(Note(text="kept"))

        async def add_then_fail() -> None:
            async with database.session() as session:
                session.add(Note(text="dropped"))
                await session.flush()
                raise ValueError("oops")

        with pytest.raises(ValueError, match="oops"):
            await add_then_fail()
        async with database.session() as session:
            texts = (await session.scalars(select(Note.text))).all()
        assert texts == ["kept"]
    finally:
        await database.dispose()


def test_a_missing_driver_says_what_to_install_and_hides_the_password() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"is not installed") as missing:
        _ = Database("mysql+aiomysql://app:secret@127.0.0.1/shop").engine
    assert "pip install 'legato[db]'" in str(missing.value)
    assert "secret" not in str(missing.value)


@pytest.mark.anyio
async def test_dispose_closes_the_engine_and_the_next_use_makes_a_new_one() -> None:
    database = Database("sqlite+aiosqlite:///:memory:")
    first = database.engine
    await database.connect()
    await database.dispose()
    assert database.engine is not first
    await database.dispose()


@pytest.mark.anyio
async def test_an_in_memory_database_is_one_database_for_every_session() -> None:
    database = Database("sqlite+aiosqlite:///:memory:")
    try:
        await database.create_all(Base.metadata)
        async with database.session() as session:
            session.add(Note(text="seen by the next session"))
        async with database.session() as session:
            assert (await session.scalars(select(Note.text))).all() == ["seen by the next session"]
    finally:
        await database.dispose()

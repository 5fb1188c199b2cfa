"""Own an app's SQLAlchemy `AsyncEngine` and hand out sessions.

Legato has no ORM of its own: models, queries and migrations are SQLAlchemy's (and
Alembic's). This module only ties the engine to the app's life (created at start-up,
disposed at shut-down, under ASGI and WSGI alike) and gives each request a session that
is committed or rolled back with the view (`legato.db.request_session`).

SQLite (through aiosqlite) is the zero-set-up default; PostgreSQL goes through asyncpg.
SQLAlchemy is an optional dependency (`pip install legato[db]`): nothing here imports it
until a database is actually configured.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from legato.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

__all__ = ["DEFAULT_DATABASE_URL", "Database"]

# A file in the working directory: visible, persistent, and nothing to install or start.
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///legato.sqlite3"


class Database:
    """An app's database: `engine`, `session()`, `create_all()`, `dispose()`."""

    def __init__(self, url: str = DEFAULT_DATABASE_URL, **engine_options: Any) -> None:
        self.url = url
        self.engine_options = engine_options
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None

    def __repr__(self) -> str:
        return f"<Database {self._safe_url()}>"

    @property
    def engine(self) -> AsyncEngine:
        """The `AsyncEngine`, created on first use (normally at app start-up)."""
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            # Objects stay usable after commit: a view commits, then renders them.
            self._sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        return self._sessionmaker

    def new_session(self) -> AsyncSession:
        return self.sessionmaker()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session committed when the block ends normally, rolled back if it raises."""
        async with self.sessionmaker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    async def create_all(self, metadata: MetaData) -> None:
        """Create the tables of `metadata` that do not exist yet (for development; use
        Alembic migrations in production)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def drop_all(self, metadata: MetaData) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)

    async def connect(self) -> None:
        """Create the engine and check one connection, so a bad URL fails at start-up."""
        from sqlalchemy import text

        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Database]:
        """Connect for the app's life: what the app's lifespan enters first."""
        await self.connect()
        try:
            yield self
        finally:
            await self.dispose()

    async def dispose(self) -> None:
        """Close every pooled connection; the engine is created again if used later."""
        engine, self._engine, self._sessionmaker = self._engine, None, None
        if engine is not None:
            await engine.dispose()

    def _create_engine(self) -> AsyncEngine:
        try:
            from sqlalchemy.ext.asyncio import create_async_engine
        except ImportError:
            raise ImproperlyConfigured(
                "App(database=...) needs SQLAlchemy's asyncio support: "
                "pip install 'legato[db]' (sqlalchemy[asyncio], aiosqlite, asyncpg)."
            ) from None
        options = {**_defaults_for(self.url), **self.engine_options}
        try:
            return create_async_engine(self.url, **options)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"The driver for {self._safe_url()} is not installed ({exc}); "
                "pip install 'legato[db]' brings aiosqlite and asyncpg."
            ) from None

    def _safe_url(self) -> str:
        try:
            from sqlalchemy.engine import make_url
        except ImportError:
            return self.url.split("@")[-1]
        return make_url(self.url).render_as_string(hide_password=True)


def _defaults_for(url: str) -> Mapping[str, Any]:
    if url.startswith("sqlite") and (":memory:" in url or url.rstrip("/").endswith(":")):
        from sqlalchemy.pool import StaticPool

        # One shared connection, or every session would see its own empty database.
        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    if url.startswith("sqlite"):
        return {}
    # Check connections before use: a database restart must not fail the next request.
    return {"pool_pre_ping": True}


def database_from_setting(value: object) -> Database | None:
    """Turn `App(database=...)` into a Database: a URL, True (the default file), or one."""
    if value is None or value is False:
        return None
    if isinstance(value, Database):
        return value
    if value is True:
        return Database()
    if isinstance(value, str):
        return Database(value)
    raise ImproperlyConfigured(
        f"App(database={value!r}) is not understood; give a URL such as "
        f"'{DEFAULT_DATABASE_URL}', True for that default, or a legato.db.Database."
    )

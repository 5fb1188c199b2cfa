"""Keep sessions in the app's database (`session_store="db"`): one table, one row each.

The table, `legato_sessions` (key, JSON data, expiry as Unix seconds, indexed), is
created when the app starts if it does not exist. A row past its expiry is never read;
expired rows are deleted at start-up and then at most once an hour, by the save that
finds the hour passed. Every call is one statement on the app's engine (SQLAlchemy
Core; SQLite and PostgreSQL alike). Nothing here imports SQLAlchemy until a database
store is made.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from legato.db.database import Database
from legato.sessions import serializer
from legato.sessions.stores.base import is_valid_key, new_session_key, security_logger

__all__ = ["CLEANUP_INTERVAL", "DatabaseStore", "sessions_table"]

CLEANUP_INTERVAL = 3600.0  # seconds between two deletions of expired rows
_NEW_KEY_ATTEMPTS = 5  # a collision of 256-bit keys is not expected even once

metadata = MetaData()
sessions_table = Table(
    "legato_sessions",
    metadata,
    Column("session_key", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)


class DatabaseStore:
    """Sessions as rows of `legato_sessions` in the app's database."""

    name: ClassVar[str] = "db"
    needs_io: ClassVar[bool] = True

    def __init__(self, database: Database) -> None:
        self.database = database
        self._next_cleanup = 0.0
        self._prepared = False

    async def prepare(self) -> None:
        """Create the table if missing, and delete what expired while the app was down."""
        await self.database.create_all(metadata)
        await self.clear_expired()
        self._prepared = True

    async def _ready(self) -> None:
        # Under a server that sends no lifespan events, the first request prepares.
        if not self._prepared:
            await self.prepare()

    async def load(self, session_key: str) -> dict[str, Any] | None:
        if not is_valid_key(session_key):
            security_logger.debug("Session key refused: not a key this store makes")
            return None
        await self._ready()
        query = select(sessions_table.c.data).where(
            sessions_table.c.session_key == session_key,
            sessions_table.c.expires_at > int(time.time()),
        )
        async with self.database.engine.connect() as connection:
            raw = (await connection.execute(query)).scalar_one_or_none()
        if raw is None:
            return None
        return serializer.decode_stored(raw)

    async def save(self, session_key: str | None, data: dict[str, Any], max_age: int) -> str:
        await self._ready()
        text = serializer.encode(data).decode()
        expires_at = int(time.time()) + max_age
        if session_key is None:
            session_key = await self._insert_new(text, expires_at)
        else:
            await self._upsert(session_key, text, expires_at)
        await self._cleanup_if_due()
        return session_key

    async def delete(self, session_key: str) -> None:
        statement = delete(sessions_table).where(sessions_table.c.session_key == session_key)
        async with self.database.engine.begin() as connection:
            await connection.execute(statement)

    async def clear_expired(self) -> None:
        """Delete every expired row (Django's clear_expired)."""
        self._next_cleanup = time.monotonic() + CLEANUP_INTERVAL
        statement = delete(sessions_table).where(sessions_table.c.expires_at <= int(time.time()))
        async with self.database.engine.begin() as connection:
            await connection.execute(statement)

    async def close(self) -> None:
        """Nothing to release: the engine is the app's."""

    async def _insert_new(self, text: str, expires_at: int) -> str:
        for _ in range(_NEW_KEY_ATTEMPTS):
            session_key = new_session_key()
            values = {"session_key": session_key, "data": text, "expires_at": expires_at}
            try:
                async with self.database.engine.begin() as connection:
                    await connection.execute(insert(sessions_table).values(values))
            except IntegrityError:
                continue
            return session_key
        raise RuntimeError("Could not find an unused session key; is the random source broken?")

    async def _upsert(self, session_key: str, text: str, expires_at: int) -> None:
        statement = (
            sql_update(sessions_table)
            .where(sessions_table.c.session_key == session_key)
            .values(data=text, expires_at=expires_at)
        )
        async with self.database.engine.begin() as connection:
            if (await connection.execute(statement)).rowcount == 0:
                # Deleted or expired since this request loaded it (another tab logged
                # out, the cleanup ran): keep it under the key it was loaded with.
                values = {"session_key": session_key, "data": text, "expires_at": expires_at}
                await connection.execute(insert(sessions_table).values(values))

    async def _cleanup_if_due(self) -> None:
        if time.monotonic() >= self._next_cleanup:
            await self.clear_expired()

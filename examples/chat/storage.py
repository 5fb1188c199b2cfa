"""Keep the chat's rooms in SQL: the last 50 messages of each room, and who is online.

SQLAlchemy 2 through `legato.db`: the store works on a `Database` (the app's own when it
needs one, `App(database=...)`, see `database_for`). Tables
are created on first use of each engine. Presence rows carry a heartbeat time
(`seen_at`): a process that dies cannot remove its rows, so rows not refreshed for
`PRESENCE_TTL` seconds no longer count as online.
"""

from __future__ import annotations

import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, String, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateIndex, CreateTable

from legato.db import Database
from legato.exceptions import ImproperlyConfigured

__all__ = ["HISTORY_SIZE", "PRESENCE_TTL", "ChatStore", "StoredMessage", "database_for"]

HISTORY_SIZE = 50
PRESENCE_TTL = 90.0


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    nick: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[float] = mapped_column(Float)


class Member(Base):
    __tablename__ = "chat_member"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    nick: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message; `after` is, from `add_message` only, the id of the room's message
    before it (None for the room's first), so a reader can tell that it missed some."""

    id: int
    room: str
    nick: str
    text: str
    sent_at: float
    after: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "nick": self.nick, "text": self.text, "sent_at": self.sent_at}


_tables_ready: weakref.WeakKeyDictionary[AsyncEngine, bool] = weakref.WeakKeyDictionary()


def database_for(app_database: Database | None) -> Database:
    """The app's database; the chat keeps its history there and needs one."""
    if app_database is None:
        raise ImproperlyConfigured(
            "The chat stores its rooms' history in the app's database: create the app with "
            "App(database='sqlite+aiosqlite:///chat.sqlite3') or set LEGATO_DATABASE_URL."
        )
    return app_database


class ChatStore:
    """Messages and presence of every room, on one `Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def _ready(self) -> None:
        engine = self.database.engine
        if not _tables_ready.get(engine):
            # IF NOT EXISTS: connections (or worker processes) may get here together.
            async with engine.begin() as connection:
                for table in Base.metadata.sorted_tables:
                    await connection.execute(CreateTable(table, if_not_exists=True))
                    for index in table.indexes:
                        await connection.execute(CreateIndex(index, if_not_exists=True))
            _tables_ready[engine] = True

    async def add_message(self, room: str, nick: str, text: str) -> StoredMessage:
        """Store a message and forget the room's messages beyond the last HISTORY_SIZE."""
        await self._ready()
        async with self.database.session() as session:
            row = Message(room=room, nick=nick, text=text, sent_at=time.time())
            session.add(row)
            await session.flush()
            after = await session.scalar(
                select(func.max(Message.id)).where(Message.room == room, Message.id < row.id)
            )
            oldest_kept = (
                select(Message.id)
                .where(Message.room == room)
                .order_by(Message.id.desc())
                .offset(HISTORY_SIZE - 1)
                .limit(1)
                .scalar_subquery()
            )
            await session.execute(
                delete(Message).where(Message.room == room, Message.id < oldest_kept)
            )
            return StoredMessage(row.id, room, nick, text, row.sent_at, after)

    async def history(self, room: str, after: int | None = None) -> list[StoredMessage]:
        """The room's last HISTORY_SIZE messages (with an id above `after`), oldest first."""
        await self._ready()
        newer = () if after is None else (Message.id > after,)
        async with self.database.session() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.room == room, *newer)
                .order_by(Message.id.desc())
                .limit(HISTORY_SIZE)
            )
            return [
                StoredMessage(row.id, row.room, row.nick, row.text, row.sent_at)
                for row in reversed(rows.all())
            ]

    async def join(self, room: str, nick: str) -> str:
        """Mark `nick` online in `room`; return the membership id (one per connection)."""
        await self._ready()
        member_id = uuid.uuid4().hex
        async with self.database.session() as session:
            session.add(Member(id=member_id, room=room, nick=nick, seen_at=time.time()))
        return member_id

    async def touch(self, member_id: str) -> None:
        async with self.database.session() as session:
            await session.execute(
                update(Member).where(Member.id == member_id).values(seen_at=time.time())
            )

    async def leave(self, member_id: str) -> None:
        async with self.database.session() as session:
            await session.execute(delete(Member).where(Member.id == member_id))

    async def online(self, room: str) -> list[str]:
        """The nicknames online in `room`, sorted, each once (a user may have two tabs)."""
        await self._ready()
        async with self.database.session() as session:
            nicks = await session.scalars(
                select(Member.nick)
                .where(Member.room == room, Member.seen_at > time.time() - PRESENCE_TTL)
                .distinct()
            )
            return sorted(nicks.all(), key=str.casefold)

    async def rooms(self, limit: int = 10) -> list[str]:
        """The rooms that have messages, most recently active first."""
        await self._ready()
        async with self.database.session() as session:
            names = await session.scalars(
                select(Message.room)
                .group_by(Message.room)
                .order_by(func.max(Message.id).desc())
                .limit(limit)
            )
            return list(names.all())

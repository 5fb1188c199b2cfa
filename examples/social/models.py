"""The social site's tables: posts and who follows whom, beside the users of legato.auth.

Both tables are on `legato.auth.models.Base`, the declarative base the default `User` is
on, so their foreign keys reach the user table and one `create_all` makes all three.

Indexes serve the queries the pages make (`feed.py`):
- the home feed, "posts by me or by anyone I follow, newest first": the follow table's
  primary key (follower_id, followed_id) lists whom a user follows, and the index on
  post (author_id, id) gives each author's posts in id order;
- a profile's posts: the same post index;
- fan-out ("who follows the author?") and follower counts: the index on
  follow (followed_id, follower_id).
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from legato.auth.models import Base, User
from legato.db import Database

__all__ = ["MAX_POST", "Follow", "Post", "create_tables"]

MAX_POST = 280


class Post(Base):
    __tablename__ = "social_post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_POST))
    # Seconds since the epoch: the same on SQLite and PostgreSQL, no time-zone surprises.
    created_at: Mapped[float] = mapped_column(Float, default=time.time)

    __table_args__ = (Index("social_post_author", "author_id", "id"),)


class Follow(Base):
    __tablename__ = "social_follow"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[float] = mapped_column(Float, default=time.time)

    __table_args__ = (Index("social_follow_followed", "followed_id", "follower_id"),)


async def create_tables(database: Database) -> None:
    """Create the users', posts' and follows' tables that do not exist yet.

    Several workers starting at once may race to create them; the loser's CREATE fails
    because the winner's table now exists, so one more try (which finds them) settles it.
    Production would run migrations (Alembic) instead.
    """
    try:
        await database.create_all(Base.metadata)
    except DBAPIError:
        await asyncio.sleep(0.5)
        await database.create_all(Base.metadata)

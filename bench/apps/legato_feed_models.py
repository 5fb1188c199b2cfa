"""The feed page's tables for Legato: posts and follows, beside `legato_users`.

On `legato.auth.models.Base`, as docs/auth.md asks of models that reference users, so
one `create_all(Base.metadata)` makes the users' tables and these. The same columns and
indexes as the Django app's models (bench/apps/django_feed/models.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from legato.auth.models import Base, User

__all__ = ["Follow", "Post"]


class Post(Base):
    __tablename__ = "bench_feed_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("legato_users.id"))
    text: Mapped[str] = mapped_column(String(280))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[User] = relationship(lazy="raise")  # loaded by the query, never lazily


# The feed reads one author's posts newest first (Django's index on the same columns).
Index("bench_feed_posts_author_created", Post.author_id, Post.created.desc())


class Follow(Base):
    __tablename__ = "bench_feed_follows"

    # The primary key is the index the feed's join uses: follower first.
    follower_id: Mapped[int] = mapped_column(ForeignKey("legato_users.id"), primary_key=True)
    followee_id: Mapped[int] = mapped_column(ForeignKey("legato_users.id"), primary_key=True)

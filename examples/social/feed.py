"""Read and write what the pages show: posts, feeds, follows, profiles' counts.

Every function takes the `AsyncSession` it works in (a view's `request.db`, or a
session of its own for a long-lived stream) and leaves committing to the caller.
Posts come back as `FeedItem`s, plain values a template renders and the live stream
sends as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from examples.social.models import Follow, Post
from legato.auth.models import User

__all__ = [
    "FEED_SIZE",
    "Counts",
    "FeedItem",
    "add_post",
    "counts",
    "follow",
    "follower_ids",
    "home_feed",
    "is_following",
    "posts_by",
    "suggestions",
    "unfollow",
    "user_named",
]

FEED_SIZE = 50


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One post as pages and events show it: the author by name, the time in seconds."""

    id: int
    author: str
    text: str
    created_at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "text": self.text,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Counts:
    posts: int
    followers: int
    following: int


def _items(where: ColumnElement[bool], *, before: int | None, after: int | None) -> Select[Any]:
    """Posts matching `where`, newest first, with their authors' names; `before` and
    `after` are post ids that bound the page (an older page, or what a reader missed)."""
    query = select(Post.id, User.username, Post.text, Post.created_at).join(
        User, User.id == Post.author_id
    )
    if before is not None:
        query = query.where(Post.id < before)
    if after is not None:
        query = query.where(Post.id > after)
    return query.where(where).order_by(Post.id.desc()).limit(FEED_SIZE)


async def home_feed(
    session: AsyncSession, user_id: int, *, before: int | None = None, after: int | None = None
) -> list[FeedItem]:
    """The last FEED_SIZE posts by `user_id` and the people they follow, newest first."""
    followed = select(Follow.followed_id).where(Follow.follower_id == user_id)
    mine_or_followed = or_(Post.author_id == user_id, Post.author_id.in_(followed))
    rows = await session.execute(_items(mine_or_followed, before=before, after=after))
    return [FeedItem(*row) for row in rows]


async def posts_by(
    session: AsyncSession, user_id: int, *, before: int | None = None
) -> list[FeedItem]:
    """The last FEED_SIZE posts of one author, newest first."""
    rows = await session.execute(_items(Post.author_id == user_id, before=before, after=None))
    return [FeedItem(*row) for row in rows]


async def add_post(session: AsyncSession, author: User, text: str) -> FeedItem:
    """Add a post (flushed, so it has its id; committed by the caller)."""
    post = Post(author_id=author.id, text=text)
    session.add(post)
    await session.flush()
    return FeedItem(post.id, author.username, post.text, post.created_at)


async def user_named(session: AsyncSession, username: str) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.username == username))
    return found


async def is_following(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    return await session.get(Follow, (follower_id, followed_id)) is not None


async def follow(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    """Make `follower_id` follow `followed_id`; False if they already did."""
    if follower_id == followed_id:
        raise ValueError("You cannot follow yourself.")
    if await is_following(session, follower_id, followed_id):
        return False
    session.add(Follow(follower_id=follower_id, followed_id=followed_id))
    return True


async def unfollow(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    """Stop following; False if there was nothing to stop."""
    row = await session.get(Follow, (follower_id, followed_id))
    if row is None:
        return False
    await session.delete(row)
    await session.flush()  # so that asking again, in this session, finds nothing
    return True


async def follower_ids(session: AsyncSession, user_id: int) -> list[int]:
    """Who follows `user_id`: whose live feeds a new post of theirs goes to."""
    ids = await session.scalars(select(Follow.follower_id).where(Follow.followed_id == user_id))
    return list(ids)


async def counts(session: AsyncSession, user_id: int) -> Counts:
    def count(column: Any) -> Any:
        return select(func.count()).where(column == user_id).scalar_subquery()

    row = (
        await session.execute(
            select(count(Post.author_id), count(Follow.followed_id), count(Follow.follower_id))
        )
    ).one()
    return Counts(*row)


async def suggestions(session: AsyncSession, user_id: int, limit: int = 5) -> list[str]:
    """Names of people to follow: the newest users `user_id` does not follow yet."""
    followed = select(Follow.followed_id).where(Follow.follower_id == user_id)
    names = await session.scalars(
        select(User.username)
        .where(User.id != user_id, User.id.not_in(followed))
        .order_by(User.id.desc())
        .limit(limit)
    )
    return list(names)

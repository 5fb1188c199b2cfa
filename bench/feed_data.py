"""The feed-page scenario's data: users, posts and follows, the same for both frameworks.

Generated from a fixed seed, so every build of the database holds the same rows with the
same ids, and the harness can compute, without asking either server, which posts a
user's feed must show (`expected_feed`): the latest `FEED_LENGTH` posts of the people
they follow, newest first. Every post has its own timestamp, so the order has no ties.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "FEED_LENGTH",
    "FOLLOWS_PER_USER",
    "HASH_MEMORY_KIB",
    "HASH_PARALLELISM",
    "HASH_TIME_COST",
    "PASSWORD",
    "POSTS_PER_USER",
    "USERS",
    "FeedData",
    "Post",
    "feed_data",
    "username",
]

USERS = 50
POSTS_PER_USER = 8
FOLLOWS_PER_USER = 10
FEED_LENGTH = 20
PASSWORD = "feed-bench-password"  # every user's; logging in is not what is measured
# Argon2id's cost in both frameworks: logging the users in is set-up, so it is cheap.
HASH_TIME_COST, HASH_MEMORY_KIB, HASH_PARALLELISM = 1, 8192, 1
_SEED = 17
_START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
_WORDS = (
    "coffee", "rain", "train", "garden", "review", "release", "tests", "lunch",
    "music", "bikes", "deploy", "weekend", "books", "chess", "tea", "snow",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    author_id: int
    text: str
    created: datetime


@dataclass(frozen=True, slots=True)
class FeedData:
    users: int  # user ids are 1..users
    posts: tuple[Post, ...]
    follows: tuple[tuple[int, int], ...]  # (follower id, followee id)

    def expected_feed(self, user_id: int) -> list[int]:
        """The post ids user `user_id`'s feed shows, in the order it shows them."""
        followed = {followee for follower, followee in self.follows if follower == user_id}
        mine = [post for post in self.posts if post.author_id in followed]
        mine.sort(key=lambda post: post.created, reverse=True)
        return [post.id for post in mine[:FEED_LENGTH]]


def username(user_id: int) -> str:
    return f"user{user_id:03}"


def feed_data() -> FeedData:
    rng = random.Random(_SEED)
    authors = [author for author in range(1, USERS + 1) for _ in range(POSTS_PER_USER)]
    rng.shuffle(authors)  # interleaved, so a feed mixes the people one follows
    posts = tuple(
        Post(
            id=index + 1,
            author_id=author,
            # "&" and quotes: the templates escape what users write, as real pages do.
            text=f'Post {index + 1} on {" & ".join(rng.sample(_WORDS, 3))}: "notes"',
            created=_START + timedelta(minutes=7 * index + rng.randrange(5)),
        )
        for index, author in enumerate(authors)
    )
    follows = tuple(
        (user, followee)
        for user in range(1, USERS + 1)
        for followee in sorted(
            rng.sample([u for u in range(1, USERS + 1) if u != user], FOLLOWS_PER_USER)
        )
    )
    return FeedData(USERS, posts, follows)

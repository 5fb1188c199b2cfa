"""Build the feed-page database: `python -m bench.feed_build PATH` (a new SQLite file).

One file holds both frameworks' tables, each under its own names, filled with the same
rows (`bench.feed_data`): Django's (`auth_user`, `django_session`, `django_feed_*`)
through its own migrations and ORM, Legato's through SQLAlchemy on
`legato.auth.models.Base`. One file rather than two, so that both servers read the same
bytes from the same disk and page cache, as the issue asks ("the same database file");
the rows run one after the other, never at once, so they never contend for its lock.
It runs in a process of its own because Django's settings can be configured only once.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from bench.feed_data import (
    HASH_MEMORY_KIB,
    HASH_PARALLELISM,
    HASH_TIME_COST,
    PASSWORD,
    FeedData,
    feed_data,
    username,
)

__all__ = ["build", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_build", description=__doc__)
    parser.add_argument("path", type=Path, help="the SQLite file to create")
    build(parser.parse_args(argv).path)
    return 0


def build(path: Path) -> None:
    if path.exists():
        raise SystemExit(f"{path} exists; the feed database is built into a new file.")
    data = feed_data()
    _build_django(path, data)
    asyncio.run(_build_legato(path, data))
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")  # the query planner's statistics, for both schemas


def _build_django(path: Path, data: FeedData) -> None:
    import django  # type: ignore[import-untyped]
    from django.core.management import call_command  # type: ignore[import-untyped]

    from bench.apps.django_feed_app import configure

    configure(str(path))
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)

    from django.contrib.auth.hashers import make_password  # type: ignore[import-untyped]
    from django.contrib.auth.models import User  # type: ignore[import-untyped]

    from bench.apps.django_feed.models import Follow, Post

    password = make_password(PASSWORD)  # one hash for all: the same password, set-up only
    User.objects.bulk_create(
        User(
            id=user,
            username=username(user),
            email=f"{username(user)}@example.com",
            password=password,
        )
        for user in range(1, data.users + 1)
    )
    Post.objects.bulk_create(
        Post(id=post.id, author_id=post.author_id, text=post.text, created=post.created)
        for post in data.posts
    )
    Follow.objects.bulk_create(
        Follow(follower_id=follower, followee_id=followee) for follower, followee in data.follows
    )


async def _build_legato(path: Path, data: FeedData) -> None:
    from bench.apps.legato_feed_models import Follow, Post
    from legato import App
    from legato.auth import create_user
    from legato.auth.models import Base

    app = App(
        [],
        database=f"sqlite+aiosqlite:///{path}",
        password_hash_time_cost=HASH_TIME_COST,
        password_hash_memory_cost=HASH_MEMORY_KIB,
        password_hash_parallelism=HASH_PARALLELISM,
    )
    assert app.database is not None
    await app.database.create_all(Base.metadata)
    try:
        for user in range(1, data.users + 1):
            name = username(user)
            await create_user(name, f"{name}@example.com", PASSWORD, app=app, id=user)
        async with app.database.session() as session:
            session.add_all(
                Post(id=post.id, author_id=post.author_id, text=post.text, created=post.created)
                for post in data.posts
            )
            session.add_all(
                Follow(follower_id=follower, followee_id=followee)
                for follower, followee in data.follows
            )
    finally:
        await app.database.dispose()


if __name__ == "__main__":
    raise SystemExit(main())

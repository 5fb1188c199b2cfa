"""Build the feed-page database: `python -m bench.feed_build TARGET`.

TARGET is a new SQLite file's path, or the `postgresql://` URL of an empty PostgreSQL
database (`bench.feed_postgres` makes one). One database holds both frameworks' tables,
each under its own names, filled with the same rows (`bench.feed_data`): Django's
(`auth_user`, `django_session`, `django_feed_*`) through its own migrations and ORM,
Legato's through SQLAlchemy on `legato.auth.models.Base`. One database rather than two,
so that both servers read the same bytes from the same disk and page cache, as the
issue asks ("the same database file"); the rows run one after the other, never at once,
so they never contend for its lock. It runs in a process of its own because Django's
settings can be configured only once. Both ORMs insert rows with their ids given, which
PostgreSQL's sequences do not see, so the build moves each sequence past the ids it
wrote, as a database that grew by inserts would be; then it gathers the planner's
statistics for both schemas.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from bench.apps.django_feed_app import is_postgres_url
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
    parser.add_argument(
        "target", help="the SQLite file to create, or an empty database's postgresql:// URL"
    )
    build(parser.parse_args(argv).target)
    return 0


def build(target: str | Path) -> None:
    database = str(target)
    postgres = is_postgres_url(database)
    if postgres:
        _require_empty_postgres(database)
    elif Path(database).exists():
        raise SystemExit(f"{database} exists; the feed database is built into a new file.")
    data = feed_data()
    _build_django(database, data)
    asyncio.run(_build_legato(database, data))
    if postgres:
        _finish_postgres(database)
    else:
        with sqlite3.connect(database) as connection:
            connection.execute("ANALYZE")  # the query planner's statistics, for both schemas


# Tables whose ids the build wrote itself, and so whose sequences it must move on.
_GIVEN_IDS = ("auth_user", "django_feed_post", "legato_users", "bench_feed_posts")


def _require_empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    if tables and tables[0]:
        raise SystemExit(
            f"{url} already has {tables[0]} tables; the feed database is built into an "
            "empty database (CREATE DATABASE a new one)."
        )


def _finish_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        for table in _GIVEN_IDS:
            connection.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), max(id)) FROM {table}"
                ).format(name=sql.Literal(table), table=sql.Identifier(table))
            )
        # VACUUM too: it sets the visibility map, as it would be on a settled database.
        connection.execute("VACUUM ANALYZE")


def _build_django(database: str, data: FeedData) -> None:
    import django  # type: ignore[import-untyped]
    from django.core.management import call_command  # type: ignore[import-untyped]

    from bench.apps.django_feed_app import configure

    configure(database)
    django.setup()
    # Django's own apps first: the feed app has no migrations, and its tables are made
    # by syncdb, which runs before migrations; PostgreSQL, unlike SQLite, checks at
    # CREATE TABLE that the users' table its foreign keys name exists.
    call_command("migrate", verbosity=0, interactive=False)
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


async def _build_legato(database: str, data: FeedData) -> None:
    from bench.apps.legato_feed_app import sqlalchemy_url
    from bench.apps.legato_feed_models import Follow, Post
    from legato import App
    from legato.auth import create_user
    from legato.auth.models import Base

    app = App(
        [],
        database=sqlalchemy_url(database),
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

"""Serve the feed page with Django: async view, contrib.sessions (db), contrib.auth.

`create_app` configures Django in-process, as `django_app` does, with the two
middleware the page needs (sessions, then authentication), the template engine with its
cached loader, and the database named by BENCH_FEED_DB (built beforehand by
`python -m bench.feed_build`): a SQLite file's path, or a `postgresql://` URL, which
Django reaches through its postgresql backend (psycopg 3). `create_app_with_pool` is
the same app on PostgreSQL with psycopg's connection pool, which Django's docs suggest
under ASGI instead of persistent connections. `configure` is shared with that build, so
the users' password hashes are made by the same hasher the app checks them with.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings  # type: ignore[import-untyped]

__all__ = [
    "configure",
    "create_app",
    "create_app_with_pool",
    "database_settings",
    "is_postgres_url",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "bench.apps.django_feed",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


def database_file() -> str:
    try:
        return os.environ["BENCH_FEED_DB"]
    except KeyError:
        raise RuntimeError(
            "BENCH_FEED_DB is not set: it names the SQLite file or the PostgreSQL URL "
            "`python -m bench.feed_build` wrote into; the benchmark runner sets it."
        ) from None


def is_postgres_url(database: str) -> bool:
    return database.startswith(("postgresql://", "postgres://"))


def database_settings(database: str, *, pool: bool = False) -> dict[str, Any]:
    """Django's DATABASES entry for a SQLite file's path or a `postgresql://` URL."""
    if not is_postgres_url(database):
        if pool:
            raise ValueError("A connection pool is for PostgreSQL; SQLite has none to give.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": database}
    url = urlsplit(database)
    # psycopg_pool's sizes as SQLAlchemy's default pool (5 kept, 10 more under load),
    # so the two frameworks hold the same number of connections.
    options = {"pool": {"min_size": 5, "max_size": 15}} if pool else {}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(url.path.lstrip("/")),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "",
        "PORT": str(url.port or ""),
        "OPTIONS": options,
    }


def configure(database: str, *, pool: bool = False) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="bench.apps.django_feed.urls",
        INSTALLED_APPS=INSTALLED_APPS,
        MIDDLEWARE=MIDDLEWARE,
        # CONN_MAX_AGE stays 0, as Django's docs ask under ASGI: each request's sync
        # work runs on a thread of its own, so a kept connection would not be reused.
        DATABASES={"default": database_settings(database, pool=pool)},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        PASSWORD_HASHERS=["bench.apps.django_feed.hashers.BenchArgon2PasswordHasher"],
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,  # with DEBUG off, wrapped in the cached loader
                "OPTIONS": {"context_processors": []},
            }
        ],
        USE_TZ=True,
        TIME_ZONE="UTC",
    )


def create_app() -> Any:
    return _app(pool=False)


def create_app_with_pool() -> Any:
    return _app(pool=True)


def _app(*, pool: bool) -> Any:
    configure(database_file(), pool=pool)
    from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]

    return get_asgi_application()

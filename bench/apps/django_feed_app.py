"""Serve the feed page with Django: async view, contrib.sessions (db), contrib.auth.

`create_app` configures Django in-process, as `django_app` does, with the two
middleware the page needs (sessions, then authentication), the template engine with its
cached loader, and the SQLite file named by BENCH_FEED_DB (built beforehand by
`python -m bench.feed_build`). `configure` is shared with that build, so the users'
password hashes are made by the same hasher the app checks them with.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings  # type: ignore[import-untyped]

__all__ = ["configure", "create_app"]

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
            "BENCH_FEED_DB is not set: it names the SQLite file `python -m bench.feed_build` "
            "wrote; the benchmark runner sets it."
        ) from None


def configure(database: str) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="bench.apps.django_feed.urls",
        INSTALLED_APPS=INSTALLED_APPS,
        MIDDLEWARE=MIDDLEWARE,
        # CONN_MAX_AGE stays 0, as Django's docs ask under ASGI: each request's sync
        # work runs on a thread of its own, so a kept connection would not be reused.
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
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
    configure(database_file())
    from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]

    return get_asgi_application()

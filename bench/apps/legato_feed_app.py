"""Serve the feed page with Legato: sessions, authentication, `request.db`, a template.

The page Django's `bench.apps.django_feed` serves, written the way Legato's docs write
it: models on `legato.auth.models.Base` (`legato_feed_models`), an async view that
awaits `request.auser()`, one SQLAlchemy query through `request.db`, and `render()` of
a Jinja2 template. The app runs `SessionMiddleware` and `AuthenticationMiddleware` and
nothing else, as the Django app does. `create_app` keeps sessions in the database
(`session_store="db"`, the lookup Django makes); `create_app_with_signed_cookies` keeps
them in the cookie, Legato's default. Both read the database named by BENCH_FEED_DB,
built by `python -m bench.feed_build`: a SQLite file's path (aiosqlite) or a
`postgresql://` URL (asyncpg).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from bench.apps.legato_feed_models import Follow, Post
from bench.apps.settings import HELLO
from bench.feed_data import FEED_LENGTH, HASH_MEMORY_KIB, HASH_PARALLELISM, HASH_TIME_COST
from legato import App
from legato.auth import AuthenticationMiddleware, authenticate, login, redirect_to_login
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sessions import SessionMiddleware
from legato.shortcuts import render
from legato.urls import path

__all__ = [
    "create_app",
    "create_app_with_signed_cookies",
    "database_url",
    "latest_posts",
    "sqlalchemy_url",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def latest_posts(user_id: int) -> Select[Post]:
    """The feed's one query: the latest posts of the people `user_id` follows, with their
    authors (joined, so rendering them reads no more rows)."""
    return (
        select(Post)
        .join(Post.author)
        .join(Follow, Follow.followee_id == Post.author_id)
        .where(Follow.follower_id == user_id)
        .order_by(Post.created.desc())
        .limit(FEED_LENGTH)
        .options(contains_eager(Post.author))
    )


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


async def feed(request: HttpRequest) -> HttpResponse:
    user = await request.auser()  # type: ignore[attr-defined]
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    posts = (await request.db.scalars(latest_posts(user.id))).all()
    return render(request, "legato_feed/feed.html", {"user": user, "posts": posts})


async def profile(request: HttpRequest, username: str) -> HttpResponse:
    return HttpResponse(username)


async def log_in(request: HttpRequest) -> HttpResponse:
    user = await authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponse("wrong username or password", status=403)
    await login(request, user)
    return HttpResponse("logged in")


urlpatterns = [
    path("hello/", hello),
    path("feed/", feed, name="feed"),
    path("login/", log_in, name="login"),
    path("u/<str:username>/", profile, name="profile"),
]


def database_url() -> str:
    """SQLAlchemy's URL for BENCH_FEED_DB: a SQLite file's path or a `postgresql://` URL."""
    try:
        database = os.environ["BENCH_FEED_DB"]
    except KeyError:
        raise RuntimeError(
            "BENCH_FEED_DB is not set: it names the SQLite file or the PostgreSQL URL "
            "`python -m bench.feed_build` wrote into; the benchmark runner sets it."
        ) from None
    return sqlalchemy_url(database)


def sqlalchemy_url(database: str) -> str:
    """SQLAlchemy's URL for a SQLite file's path or a `postgresql://` URL."""
    scheme, separator, rest = database.partition("://")
    if separator and scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    return f"sqlite+aiosqlite:///{database}"


def _app(session_store: str) -> App:
    return App(
        urlpatterns,
        middleware=[SessionMiddleware, AuthenticationMiddleware],
        database=database_url(),
        templates=[str(TEMPLATES)],
        secret_key="benchmark-only-not-secret",
        session_store=session_store,
        # Argon2id at the Django app's cost: logging the users in is set-up.
        password_hash_time_cost=HASH_TIME_COST,
        password_hash_memory_cost=HASH_MEMORY_KIB,
        password_hash_parallelism=HASH_PARALLELISM,
    )


def create_app() -> App:
    return _app("db")


def create_app_with_signed_cookies() -> App:
    return _app("signed_cookies")

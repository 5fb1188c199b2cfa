"""Serve the feed page with Legato: sessions, authentication, `request.db`, a template.

The page Django's `bench.apps.django_feed` serves, written the way Legato's docs write
it: models on `legato.auth.models.Base` (so posts can reference `legato_users`), an
async view that awaits `request.auser()`, one SQLAlchemy query through `request.db`,
and `render()` of a Jinja2 template. The app runs `SessionMiddleware` and
`AuthenticationMiddleware` and nothing else, as the Django app does. `create_app`
keeps sessions in the database (`session_store="db"`, the lookup Django makes);
`create_app_with_signed_cookies` keeps them in the cookie, Legato's default. Both read
the SQLite file named by BENCH_FEED_DB, built by `python -m bench.feed_build`.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from bench.apps.settings import HELLO
from bench.feed_data import FEED_LENGTH
from legato import App
from legato.auth import AuthenticationMiddleware, authenticate, login, redirect_to_login
from legato.auth.models import Base, User
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sessions import SessionMiddleware
from legato.shortcuts import render
from legato.urls import path

__all__ = [
    "HASH_COST",
    "Follow",
    "Post",
    "create_app",
    "create_app_with_signed_cookies",
    "database_url",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Argon2id at the cost the Django app's hasher uses (bench/apps/django_feed/hashers.py):
# logging the users in is set-up, not what is measured.
HASH_COST = {
    "password_hash_time_cost": 1,
    "password_hash_memory_cost": 8192,
    "password_hash_parallelism": 1,
}


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


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


async def feed(request: HttpRequest) -> HttpResponse:
    user = await request.auser()  # type: ignore[attr-defined]
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    latest = (
        select(Post)
        .join(Post.author)
        .join(Follow, Follow.followee_id == Post.author_id)
        .where(Follow.follower_id == user.id)
        .order_by(Post.created.desc())
        .limit(FEED_LENGTH)
        .options(contains_eager(Post.author))
    )
    posts = (await request.db.scalars(latest)).all()
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
    try:
        return f"sqlite+aiosqlite:///{os.environ['BENCH_FEED_DB']}"
    except KeyError:
        raise RuntimeError(
            "BENCH_FEED_DB is not set: it names the SQLite file `python -m bench.feed_build` "
            "wrote; the benchmark runner sets it."
        ) from None


def _app(session_store: str) -> App:
    return App(
        urlpatterns,
        middleware=[SessionMiddleware, AuthenticationMiddleware],
        database=database_url(),
        templates=[str(TEMPLATES)],
        secret_key="benchmark-only-not-secret",
        session_store=session_store,
        **HASH_COST,
    )


def create_app() -> App:
    return _app("db")


def create_app_with_signed_cookies() -> App:
    return _app("signed_cookies")

"""An app's session store and settings: chosen from its config, opened at start-up.

`SessionMiddleware.lifespan(app)` is called when the app starts: it checks the secret
key and makes the store the `session_store` setting names, so that a mistake stops the
app (ImproperlyConfigured) before it serves anyone; the app then enters the context it
returns, after the database and the channel layer, which prepares the store (the
database store creates its table). An app served without lifespan events gets the same
store on its first request. At shut-down the store releases its connections.

Each app's `AppSessions` is kept beside the app (a weak mapping: nothing outlives it),
so several apps in one process never share a store.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from legato.exceptions import ImproperlyConfigured
from legato.sessions.options import SessionOptions
from legato.sessions.stores.base import SessionStore
from legato.sessions.stores.signed_cookies import SignedCookieStore
from legato.signing import SecretKeys

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["STORES", "AppSessions", "sessions_of", "store_never_waits"]

logger = logging.getLogger("legato.sessions")

STORES = ("signed_cookies", "db", "redis")

_by_app: weakref.WeakKeyDictionary[App, AppSessions] = weakref.WeakKeyDictionary()


class AppSessions:
    """One app's session options, keys and store, made from its config."""

    def __init__(self, app: App) -> None:
        self.options = SessionOptions.from_config(app.config)
        self.keys = _keys_of(app)  # in debug mode without a key, one made for this run
        self.store = _make_store(app, self.keys)

    async def open(self) -> None:
        """Prepare the store (the database store creates its table)."""
        prepare = getattr(self.store, "prepare", None)
        if prepare is not None:
            await prepare()

    async def close(self) -> None:
        """Release the store's connections; it opens new ones if the app starts again."""
        await self.store.close()


def store_never_waits(app: App | None) -> bool:
    """Whether `app`'s session store never waits for I/O (signed cookies); False if
    there is no app to ask (a middleware built outside App.build)."""
    return app is not None and app.config.session_store == "signed_cookies"


def sessions_of(app: App) -> AppSessions:
    """The sessions of `app`, made on first call."""
    sessions = _by_app.get(app)
    if sessions is None:
        sessions = _by_app[app] = AppSessions(app)
    return sessions


def running(app: App) -> contextlib.AbstractAsyncContextManager[AppSessions]:
    """Check the app's session settings now; the context opens its store for its life."""
    return _open(sessions_of(app))  # makes the keys and the store, or raises


@contextlib.asynccontextmanager
async def _open(sessions: AppSessions) -> AsyncIterator[AppSessions]:
    await sessions.open()
    try:
        yield sessions
    finally:
        await sessions.close()


def _keys_of(app: App) -> SecretKeys:
    keys = app.secret_keys
    if keys is not None:
        return keys
    if not app.debug:
        raise ImproperlyConfigured(
            "SessionMiddleware needs a secret key (it signs session cookies, and a logged-in "
            "session holds a digest made with it): pass App(secret_key=...) or set "
            "LEGATO_SECRET_KEY to a long random string (e.g. from `python -c 'import "
            "secrets; print(secrets.token_urlsafe(50))'`), the same in every worker."
        )
    logger.warning(
        "No secret key: sessions are signed with a key made for this run (debug=True), "
        "so they end when the app restarts and are not shared between workers. Set "
        "App(secret_key=...) or LEGATO_SECRET_KEY."
    )
    # The app's key from now on, so that what else signs (the password digest a login
    # keeps in the session, signed cookies) agrees with the sessions.
    return app.use_secret_keys(SecretKeys(secrets.token_urlsafe(50)))


def _make_store(app: App, keys: SecretKeys) -> SessionStore:
    config = app.config
    kind = config.session_store
    if kind == "signed_cookies":
        return SignedCookieStore(keys, config.session_cookie_name)
    if kind == "db":
        return _database_store(app)
    if kind == "redis":
        return _redis_store(app)
    raise ImproperlyConfigured(
        f"session_store={kind!r} is not a session store; use one of {', '.join(STORES)}."
    )


def _database_store(app: App) -> SessionStore:
    if app.database is None:
        raise ImproperlyConfigured(
            "session_store='db' keeps sessions in the app's database, and this app has "
            "none: pass App(database=...) (e.g. database=True for SQLite) or choose "
            "another session_store."
        )
    from legato.sessions.stores.database import DatabaseStore

    return DatabaseStore(app.database)


def _redis_store(app: App) -> SessionStore:
    url = app.config.session_redis_url or getattr(app.channels, "url", None)
    if not url:
        raise ImproperlyConfigured(
            "session_store='redis' needs a Redis server: set session_redis_url "
            "(LEGATO_SESSION_REDIS_URL) or use a Redis channel layer "
            "(App(channels='redis://...'))."
        )
    from legato.sessions.stores.redis import RedisStore

    return RedisStore(url)

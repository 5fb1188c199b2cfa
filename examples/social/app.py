"""The social site on its own: `LEGATO_DEBUG=1 legato run examples.social.app:app`, then
open http://127.0.0.1:8000/ (README.md says more).

One process: SQLite (social.sqlite3 in the working directory) and the in-memory channel
layer. Several processes share users, sessions and live feeds through one database and
Redis:

    LEGATO_SECRET_KEY=... LEGATO_DATABASE_URL=postgresql+asyncpg://... \\
    LEGATO_CHANNELS_URL=redis://127.0.0.1:6379/0 LEGATO_SESSION_STORE=redis \\
    legato run examples.social.app:app --workers 4

Sessions are kept in the database (a cookie holds only a random key); the secret key
comes from LEGATO_SECRET_KEY, and without one the app refuses to start unless
LEGATO_DEBUG=1, where a generated key is used (sessions then end with the process).
"""

from typing import Any

from examples.social.middleware import SOCIAL_MIDDLEWARE
from examples.social.models import create_tables
from examples.social.pages import STATIC_DIR
from legato import App
from legato.urls import include, path

__all__ = ["app", "create_app"]


def create_app(**settings: Any) -> App:
    """The site as an app; `settings` go to App() over the defaults (tests pass theirs)."""

    async def create_social_tables() -> None:
        await create_tables(social.database)

    options: dict[str, Any] = {
        "middleware": SOCIAL_MIDDLEWARE,
        "database": "sqlite+aiosqlite:///social.sqlite3",
        "on_startup": [create_social_tables],
        "static_dirs": [STATIC_DIR],
        "session_store": "db",
        # Route names, not paths, so that they hold wherever the site is mounted.
        "login_redirect_url": "social:home",
        "logout_redirect_url": "login",
        **settings,
    }
    social = App(
        [
            path("", include("examples.social.urls")),
            path("accounts/", include("legato.auth.urls")),
        ],
        **options,
    )
    return social


app = create_app()

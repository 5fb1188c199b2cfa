"""The chat on its own: `legato run examples.chat.app:app`, then open http://127.0.0.1:8000/.

One process: the in-memory channel layer and a SQLite file, nothing to set up. Several
processes (or machines) share rooms through Redis and one database:

    LEGATO_CHANNELS_URL=redis://127.0.0.1:6379/0 \\
    LEGATO_DATABASE_URL=sqlite+aiosqlite:///chat.sqlite3 \\
    legato run examples.chat.app:app --workers 4
"""

from examples.chat.pages import STATIC_DIR
from legato import App
from legato.urls import include, path

app = App(
    urlpatterns=[path("", include("examples.chat.urls"))],
    database="sqlite+aiosqlite:///chat.sqlite3",
    static_dirs=[STATIC_DIR],
)

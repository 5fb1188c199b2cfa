"""The app serving the current request, for code that has only the request.

Each server adapter sets `current_app` for every request and websocket it serves (a
ContextVar, so concurrent requests of different apps in one process never mix). It is how
the parts configured on `App(...)` reach code that is not given the app: the signing keys
of signed cookies, the session store of `SessionMiddleware`, the `login_url` of
`login_required`. Django reads those from its settings module; Legato has none.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from legato.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["current_app", "get_current_app"]

current_app: ContextVar[App | None] = ContextVar("current_app", default=None)


def get_current_app() -> App:
    """The app serving this request; outside one, an ImproperlyConfigured error."""
    app = current_app.get()
    if app is None:
        raise ImproperlyConfigured(
            "No app is serving a request in this context: call this from a view, a "
            "middleware or a template of a running app, or set legato.context.current_app "
            "yourself (a script, a unit test)."
        )
    return app

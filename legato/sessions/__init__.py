"""Sessions: `request.session`, Django's API with its async methods, over three stores.

`SessionMiddleware` gives each request a `Session` (legato/sessions/session.py), loaded
from the app's store on first use and saved after the view when modified. The store is
the `session_store` setting: signed cookies (the default, stores/signed_cookies.py), the
app's database (stores/database.py) or Redis (stores/redis.py). docs/sessions.md is the
guide.
"""

from legato.sessions.middleware import SessionMiddleware
from legato.sessions.session import Session
from legato.sessions.stores.base import SessionStore, SessionTooLarge
from legato.sessions.stores.signed_cookies import SignedCookieStore

__all__ = ["Session", "SessionMiddleware", "SessionStore", "SessionTooLarge", "SignedCookieStore"]

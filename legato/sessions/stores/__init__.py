"""Where session data lives: signed cookies, the app's database, Redis."""

from legato.sessions.stores.base import SessionStore, SessionTooLarge
from legato.sessions.stores.signed_cookies import SignedCookieStore

__all__ = ["SessionStore", "SessionTooLarge", "SignedCookieStore"]

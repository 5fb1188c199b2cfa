"""Give each request `request.session`; save it and set its cookie on the way out.

There is no way in: the middleware gives the app a lazy request attribute, so
`request.session` is made when a request first uses it (a `Session`, which loads itself
from the cookie and the store when first read); a request that never uses it pays for
no object and no hook but `process_response`. The way out does nothing for a session
the view never touched; otherwise, as Django's middleware: `Vary: Cookie` once the
session was read, the cookie deleted once the session was emptied (`flush()`), and the
session saved and its cookie set when modified (or on every request, with
session_save_every_request), unless the response is a server error.

The store and every setting come from the app serving the request (legato/context.py,
legato/sessions/app_sessions.py). `process_response` is a plain function wherever saving
cannot block the loop: in a sync chain (WSGI: it waits for the loop only when it saves
to a store with I/O) and with signed cookies (saved inline). Only an ASGI chain over a
database or Redis store gets a coroutine, which costs an await on every request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from legato.context import current_app, get_current_app
from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.middleware._vary import add_vary
from legato.middleware.base import Middleware
from legato.sessions import app_sessions
from legato.sessions.app_sessions import AppSessions, sessions_of, store_never_waits
from legato.sessions.options import SessionOptions
from legato.sessions.session import Session
from legato.sessions.stores.base import SessionTooLarge

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["SessionMiddleware", "require_sessions"]

logger = logging.getLogger("legato.sessions")

# What the way out does with a touched session.
_NOTHING, _DELETE, _SAVE = range(3)


class SessionMiddleware(Middleware):
    """`request.session` for every request, saved when changed (settings: App(session_*))."""

    nonblocking = True  # its sync hooks compute; saving goes to the loop when it must

    def __init__(self, get_response: Callable[..., Any]) -> None:
        super().__init__(get_response)
        self._sessions: AppSessions | None = None
        self._save_always = False  # session_save_every_request, once attached
        app = current_app.get()
        if app is not None:
            # The chain is being built for `app`: request.session is made when a request
            # first uses it (HttpRequest.__getattr__), so an untouched session costs no
            # object and no request hook.
            sessions = self._attach(app)
            app.request_attributes["session"] = functools.partial(_new_session, sessions)
            self.process_request = None  # type: ignore[assignment]
        if not self.async_mode or store_never_waits(app):
            # A plain function where saving never waits: in a thread (it may wait for
            # the loop there), or for signed cookies, saved inline; a call cheaper than
            # awaiting a coroutine on every request.
            self.process_response = self._process_response_sync  # type: ignore[method-assign,assignment]

    @staticmethod
    def lifespan(app: App) -> AbstractAsyncContextManager[AppSessions]:
        """Open the app's session store at start-up, close it at shut-down."""
        return app_sessions.running(app)

    def process_request(self, request: HttpRequest) -> None:
        # Called only where no app built the chain (a middleware called directly, as a
        # Django-style unit test does): the session is made now.
        sessions = self._sessions
        if sessions is None:
            sessions = self._attach(get_current_app())
        request.session = _new_session(sessions, request)  # type: ignore[attr-defined]

    async def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        session = request.__dict__.get("session")
        if session is None:  # never used, the common case
            if not self._save_always:
                return response
            session = request.session  # type: ignore[attr-defined]
        if not (session.accessed or session.modified or self._save_always):
            session._request = None  # untouched: break the cycle, done
            return response
        action = _action(session, response)
        session._request = None
        if action == _SAVE:
            try:
                await session.asave()
            except SessionTooLarge as exc:
                return _not_saved(response, exc)
        return _finish(request, response, session, action)

    def _process_response_sync(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        session = request.__dict__.get("session")
        if session is None:
            if not self._save_always:
                return response
            session = request.session  # type: ignore[attr-defined]
        if not (session.accessed or session.modified or self._save_always):
            session._request = None
            return response
        action = _action(session, response)
        session._request = None
        if action == _SAVE:
            try:
                session.save()
            except SessionTooLarge as exc:
                return _not_saved(response, exc)
        return _finish(request, response, session, action)

    def _attach(self, app: App) -> AppSessions:
        # One chain serves one app: remember its sessions rather than look them up.
        sessions = self._sessions = sessions_of(app)
        self._save_always = sessions.options.save_every_request
        return sessions


def require_sessions(app: App | None, needed_by: str) -> None:
    """Raise ImproperlyConfigured, naming `needed_by`, unless `app`'s middleware include
    SessionMiddleware (no app: a middleware built by hand, not checked)."""
    if app is None:
        return
    for factory in app.core().middleware:
        if getattr(factory, "middleware_class", factory) is SessionMiddleware:
            return
    raise ImproperlyConfigured(
        f"{needed_by} keeps its data in the session: put "
        "legato.sessions.SessionMiddleware before it in App(middleware=[...])."
    )


def _new_session(sessions: AppSessions, request: HttpRequest) -> Session:
    return Session(sessions.store, sessions.options, request)


def _action(session: Session, response: HttpResponseBase) -> int:
    """What the way out does with a session the view touched."""
    if session.is_empty():
        return _DELETE
    if (session.modified or session.options.save_every_request) and response.status_code < 500:
        return _SAVE
    return _NOTHING


def _finish(
    request: HttpRequest, response: HttpResponseBase, session: Session, action: int
) -> HttpResponseBase:
    options = session.options
    if action == _DELETE:
        if options.cookie_name in request.COOKIES:
            response.delete_cookie(
                options.cookie_name,
                path=options.cookie_path,
                domain=options.cookie_domain,
                samesite=options.cookie_samesite,
            )
            add_vary(response, "Cookie")
        elif session.accessed:
            add_vary(response, "Cookie")
        return response
    if session.accessed:
        add_vary(response, "Cookie")
    if action == _SAVE:
        _set_cookie(request, response, session, options)
    return response


def _set_cookie(
    request: HttpRequest, response: HttpResponseBase, session: Session, options: SessionOptions
) -> None:
    # The data is loaded (it was just saved): these read no store.
    max_age = None if session.get_expire_at_browser_close() else session.get_expiry_age()
    secure = options.cookie_secure
    response.set_cookie(
        options.cookie_name,
        session.session_key or "",
        max_age=max_age,
        path=options.cookie_path,
        domain=options.cookie_domain,
        secure=request.is_secure() if secure is None else secure,
        httponly=options.cookie_httponly,
        samesite=options.cookie_samesite,
    )


def _not_saved(response: HttpResponseBase, exc: SessionTooLarge) -> HttpResponseBase:
    # The response still goes out; the browser keeps the cookie it had.
    logger.warning("Session not saved: %s", exc)
    add_vary(response, "Cookie")
    return response

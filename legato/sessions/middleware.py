"""Give each request `request.session`; save it and set its cookie on the way out.

The way in does no I/O and reads no cookie: `request.session` is a `Session` that loads
itself when first used. The way out does nothing for a session the view never touched;
otherwise, as Django's middleware: `Vary: Cookie` once the session was read, the cookie
deleted once the session was emptied (`flush()`), and the session saved and its cookie
set when modified (or on every request, with session_save_every_request), unless the
response is a server error.

The store and every setting come from the app serving the request (legato/context.py,
legato/sessions/app_sessions.py). In the ASGI chain the hooks run on the event loop, so
`process_response` is a coroutine (saving may wait for a store); in a sync chain (WSGI)
it is a plain function that waits for the loop only when it saves to a store with I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from legato.context import get_current_app
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.middleware._vary import add_vary
from legato.middleware.base import Middleware
from legato.sessions import app_sessions
from legato.sessions.app_sessions import AppSessions, sessions_of
from legato.sessions.options import SessionOptions
from legato.sessions.session import Session
from legato.sessions.stores.base import SessionTooLarge

if TYPE_CHECKING:
    from legato.app import App

__all__ = ["SessionMiddleware"]

logger = logging.getLogger("legato.sessions")

# What the way out does with a touched session.
_NOTHING, _DELETE, _SAVE = range(3)


class SessionMiddleware(Middleware):
    """`request.session` for every request, saved when changed (settings: App(session_*))."""

    nonblocking = True  # its sync hooks compute; saving goes to the loop when it must

    def __init__(self, get_response: Callable[..., Any]) -> None:
        super().__init__(get_response)
        self._app: App | None = None
        self._sessions: AppSessions | None = None
        if not self.async_mode:
            self.process_response = self._process_response_sync  # type: ignore[method-assign,assignment]

    @staticmethod
    def lifespan(app: App) -> AbstractAsyncContextManager[AppSessions]:
        """Open the app's session store at start-up, close it at shut-down."""
        return app_sessions.running(app)

    def process_request(self, request: HttpRequest) -> None:
        app = get_current_app()
        sessions = self._sessions
        if app is not self._app or sessions is None:
            sessions = self._attach(app)
        request.session = Session(sessions.store, sessions.options, request=request)  # type: ignore[attr-defined]

    async def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        session, action = self._action(request, response)
        if action == _SAVE:
            try:
                await session.asave()
            except SessionTooLarge as exc:
                return _not_saved(response, exc)
        return self._finish(request, response, session, action)

    def _process_response_sync(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        session, action = self._action(request, response)
        if action == _SAVE:
            try:
                session.save()
            except SessionTooLarge as exc:
                return _not_saved(response, exc)
        return self._finish(request, response, session, action)

    def _attach(self, app: App) -> AppSessions:
        # One chain serves one app: remember its sessions rather than look them up.
        sessions = sessions_of(app)
        self._app, self._sessions = app, sessions
        return sessions

    def _action(self, request: HttpRequest, response: HttpResponseBase) -> tuple[Any, int]:
        session = request.__dict__.get("session")
        if not isinstance(session, Session):
            return None, _NOTHING  # a middleware above answered before ours ran
        options = session._options
        if not (session.accessed or session.modified or options.save_every_request):
            return session, _NOTHING
        if session.is_empty():
            return session, _DELETE
        if (session.modified or options.save_every_request) and response.status_code < 500:
            return session, _SAVE
        return session, _NOTHING

    def _finish(
        self, request: HttpRequest, response: HttpResponseBase, session: Session | None, action: int
    ) -> HttpResponseBase:
        if session is None or not (session.accessed or action):
            return response
        options = session._options
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

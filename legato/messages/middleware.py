"""Give each request its messages (`request._messages`, made on first use) and write them
back after the view.

Place it after SessionMiddleware in `App(middleware=[...])`: its way out runs first, so
the session it writes to is saved after it. As SessionMiddleware's, its
`process_response` is a coroutine only in an ASGI chain over a database or Redis
session store; elsewhere a plain function (in a thread it may wait for the loop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from legato.context import current_app
from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.messages.storage import SessionStorage
from legato.middleware.base import Middleware
from legato.sessions.app_sessions import store_never_waits
from legato.sessions.middleware import require_sessions

__all__ = ["MessageMiddleware"]


class MessageMiddleware(Middleware):
    """Flash messages stored in the session (`legato.messages.success(request, ...)`)."""

    nonblocking = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        super().__init__(get_response)
        app = current_app.get()
        if app is not None:
            # Built for `app`: the storage is made when a request first adds or reads a
            # message (HttpRequest.__getattr__); other requests pay for no request hook.
            require_sessions(app, "MessageMiddleware")
            app.request_attributes["_messages"] = SessionStorage
            self.process_request = None  # type: ignore[assignment]
        if not self.async_mode or store_never_waits(app):
            # As SessionMiddleware: a plain function wherever writing cannot block.
            self.process_response = self._process_response_sync  # type: ignore[method-assign,assignment]

    def process_request(self, request: HttpRequest) -> None:
        # Called only where no app built the chain (a middleware called directly).
        if "session" not in request.__dict__:
            raise ImproperlyConfigured(
                "MessageMiddleware keeps messages in the session: put "
                "legato.sessions.SessionMiddleware before it in App(middleware=[...])."
            )
        request._messages = SessionStorage(request)  # type: ignore[attr-defined]

    async def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        storage = request.__dict__.get("_messages")
        if storage is not None and (storage.used or storage.added_new):
            await storage.aupdate()
        return response

    def _process_response_sync(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        storage = request.__dict__.get("_messages")
        if storage is not None and (storage.used or storage.added_new):
            storage.update()
        return response

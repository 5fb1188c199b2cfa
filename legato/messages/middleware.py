"""Give each request its messages (`request._messages`) and write them back after the view.

Place it after SessionMiddleware in `App(middleware=[...])`: its way out runs first, so
the session it writes to is saved after it. As SessionMiddleware, in the ASGI chain its
`process_response` is a coroutine (the session may live in a store with I/O), in a sync
chain (WSGI) a plain function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.messages.storage import SessionStorage
from legato.middleware.base import Middleware

__all__ = ["MessageMiddleware"]


class MessageMiddleware(Middleware):
    """Flash messages stored in the session (`legato.messages.success(request, ...)`)."""

    nonblocking = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        super().__init__(get_response)
        if not self.async_mode:
            self.process_response = self._process_response_sync  # type: ignore[method-assign,assignment]

    def process_request(self, request: HttpRequest) -> None:
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

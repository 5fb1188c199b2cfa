"""Give each request its user: `request.user` (sync views) and `await request.auser()`.

Nothing is read when the request arrives: `auser()` asks the session and the database
the first time it is awaited, and keeps the answer. `request.user` is a stand-in until
then; in a sync view (a pool thread) touching it loads the user through the app's loop,
while on the loop it raises an error naming `await request.auser()`, since loading
would block the loop. Once loaded, `request.user` is the user itself.

Place it after `SessionMiddleware` (it reads `request.session`). It also:
- awaits `auser()` before a template response renders, so templates can use
  `request.user` (and `user`, added to the context as Django's context processor does);
- answers `LoginThrottled` from `authenticate()` with 429 and `Retry-After`, for an
  app's own login views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from types import MethodType
from typing import Any

from legato.auth.authentication import DEFAULT_BACKENDS, get_user
from legato.auth.throttle import LoginThrottled
from legato.context import current_app
from legato.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from legato.http.response import HttpResponse
from legato.middleware.base import Middleware
from legato.sessions.middleware import require_sessions
from legato.sync import async_to_sync

__all__ = ["AuthenticationMiddleware", "LazyUser", "throttled_response"]


class AuthenticationMiddleware(Middleware):
    """Set `request.user` and `request.auser` (Django 5's names), lazily."""

    nonblocking = True  # its sync hooks only compute

    def __init__(self, get_response: Callable[..., Any], *, backends: Sequence[Any] = ()) -> None:
        super().__init__(get_response)
        self.backends = backends = tuple(_backend(entry) for entry in backends) or DEFAULT_BACKENDS
        app = current_app.get()
        if app is not None:
            # Built for `app`: request.user, request.auser and the backends are made
            # when a request first uses them (HttpRequest.__getattr__), so a request that
            # never asks who its user is pays for no object and no request hook.
            require_sessions(app, "AuthenticationMiddleware")
            app.request_attributes.update(
                user=LazyUser,
                auser=_bound_auser,
                auth_backends=lambda request: backends,
            )
            self.process_request = None  # type: ignore[assignment]

    def process_request(self, request: Any) -> None:
        # Called only where no app built the chain (a middleware called directly).
        if not hasattr(request, "session"):
            raise ImproperlyConfigured(
                "AuthenticationMiddleware needs request.session: put "
                "legato.sessions.SessionMiddleware before it in App(middleware=[...])."
            )
        request.auth_backends = self.backends
        request.auser = MethodType(auser, request)  # an async method, as Django's
        request.user = LazyUser(request)

    async def process_template_response(self, request: Any, response: Any) -> Any:
        if hasattr(request, "auser"):
            user = await request.auser()
            context = response.context_data
            if context is None or "user" not in context:
                response.context_data = {**(context or {}), "user": user}
        return response

    def process_exception(self, request: Any, exception: BaseException) -> Any:
        if isinstance(exception, LoginThrottled):
            return throttled_response(exception)
        return None


def throttled_response(exception: LoginThrottled) -> HttpResponse:
    """429 Too Many Requests, with the seconds to wait in Retry-After."""
    response = HttpResponse(f"{exception}\n", status=429, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = str(exception.retry_after)
    return response


async def auser(request: Any) -> Any:
    """The request's user, loaded once (the session, then the database)."""
    cached = request.__dict__.get("_cached_user")
    if cached is None:
        cached = request.__dict__["_cached_user"] = await get_user(request)
        request.user = cached
    return cached


def _bound_auser(request: Any) -> Any:
    return MethodType(auser, request)  # an async method, as Django's


def _backend(entry: Any) -> Any:
    if isinstance(entry, str):
        from legato.app import _import_if_path

        entry = _import_if_path(entry)
    return entry() if isinstance(entry, type) else entry


class LazyUser:
    """`request.user` before the user is loaded: loads it on first use, in a thread."""

    __slots__ = ("_request",)

    def __init__(self, request: Any) -> None:
        object.__setattr__(self, "_request", request)

    def _load(self) -> Any:
        request = object.__getattribute__(self, "_request")
        cached = request.__dict__.get("_cached_user")
        if cached is not None:
            return cached
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return async_to_sync(request.auser)()  # a thread: wait for the loop
        raise SynchronousOnlyOperation(
            "request.user is not loaded yet, and loading it reads the session and the "
            "database, which would block the event loop: in an async view use "
            "`user = await request.auser()`."
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._load(), name, value)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(request.user, User) holds
        return type(self._load())

    def __eq__(self, other: object) -> bool:
        return bool(self._load() == other)

    def __hash__(self) -> int:
        return hash(self._load())

    def __str__(self) -> str:
        return str(self._load())

    def __repr__(self) -> str:
        request = object.__getattribute__(self, "_request")
        cached = request.__dict__.get("_cached_user")
        return f"<LazyUser {cached!r}>" if cached is not None else "<LazyUser (not loaded)>"

    def __bool__(self) -> bool:
        return bool(self._load())

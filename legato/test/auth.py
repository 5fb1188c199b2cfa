"""Log a test client in and out without a login form: Django's `force_login`, `login`
and `logout` of its test client.

Each builds a request for the app as the client would send it (its cookies included),
gives it a session from the app's own store, calls `legato.auth.login` / `logout` on it,
and keeps the session cookie the app's SessionMiddleware would set. So the session is a
real one, in whatever store the app uses, and the next request of the client is logged
in exactly as after a login form.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

from legato.context import current_app
from legato.exceptions import ImproperlyConfigured
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase

__all__ = ["session_cookies_after"]


async def session_cookies_after(
    app: Any,
    scope: dict[str, Any],
    work: Callable[[HttpRequest], Awaitable[Any]],
) -> tuple[Any, SimpleCookie]:
    """Run `work(request)` on the request `scope` describes (the client's cookies in it),
    with the app's session; return what it returned and the cookies the session
    middleware sets afterwards."""
    from legato.sessions import SessionMiddleware

    if SessionMiddleware not in getattr(app, "middleware", ()):
        raise ImproperlyConfigured(
            "The test client logs in through the app's sessions: put "
            "legato.sessions.SessionMiddleware in App(middleware=[...])."
        )
    # Made outside the app's context, it is not a chain's: it sets request.session in
    # process_request rather than giving the app a lazy attribute.
    middleware = SessionMiddleware(_unused_get_response)
    token = current_app.set(app)
    try:
        request = HttpRequest(scope)
        middleware.process_request(request)
        result = await work(request)
        response: Any = middleware.process_response(request, HttpResponse())
        if inspect.isawaitable(response):
            response = await response
    finally:
        current_app.reset(token)
    return result, response.cookies


async def _unused_get_response(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("only the session hooks of the middleware are called")

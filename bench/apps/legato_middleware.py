"""Stand in for a default middleware stack until Legato ships built-in middleware.

Legato has no default stack yet (legato/middleware/ is empty), so scenario 6 measures
seven async middleware, one per entry of Django's default MIDDLEWARE, each doing on a
cookieless GET what its Django counterpart does there: read the session cookie, check
the User-Agent, run a CSRF `process_view` hook, attach a lazy user and message store,
and add the security and X-Frame-Options headers. Replace this list with Legato's own
middleware once it exists; the scenario stays the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from legato.exceptions import PermissionDenied
from legato.http import HttpRequest, HttpResponseBase, HttpResponseForbidden

__all__ = ["DEFAULT_MIDDLEWARE"]

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class _AsyncMiddleware:
    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response


class SecurityMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class SessionMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.session_key = request.COOKIES.get("sessionid")  # type: ignore[attr-defined]
        return await self.get_response(request)


class CommonMiddleware(_AsyncMiddleware):
    disallowed_user_agents: tuple[str, ...] = ()

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        agent = request.headers.get("User-Agent", "")
        if any(agent.startswith(prefix) for prefix in self.disallowed_user_agents):
            raise PermissionDenied("Forbidden user agent")
        return await self.get_response(request)


class CsrfViewMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return await self.get_response(request)

    async def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if request.method in _SAFE_METHODS or request.COOKIES.get("csrftoken"):
            return None
        return HttpResponseForbidden("CSRF cookie not set.")


class _LazyUser:
    is_authenticated = False


class AuthenticationMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.user = _LazyUser()  # type: ignore[attr-defined]
        return await self.get_response(request)


class MessageMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request._messages = []  # type: ignore[attr-defined]
        return await self.get_response(request)


class XFrameOptionsMiddleware(_AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        response.setdefault("X-Frame-Options", "DENY")
        return response


DEFAULT_MIDDLEWARE = [
    SecurityMiddleware,
    SessionMiddleware,
    CommonMiddleware,
    CsrfViewMiddleware,
    AuthenticationMiddleware,
    MessageMiddleware,
    XFrameOptionsMiddleware,
]

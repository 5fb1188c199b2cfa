"""Guard views: login_required, permission_required, user_passes_test.

Each keeps an `async def` view async (the user is loaded with `await request.auser()`)
and a sync view sync (it reads `request.user` in its pool thread). A user who fails the
test is sent to the login page, `login_url` or the app's `login_url` setting, with the
page they wanted in `next`: the request's own path, so always a path on this site (the
login view checks `next` again before it redirects there).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from legato.context import get_current_app
from legato.exceptions import ImproperlyConfigured, PermissionDenied
from legato.http.redirects import escape_leading_slashes
from legato.http.response import HttpResponseRedirect
from legato.shortcuts import resolve_url
from legato.sync import async_to_sync, iscoroutinefunction, sync_to_async

__all__ = [
    "REDIRECT_FIELD_NAME",
    "login_required",
    "permission_required",
    "redirect_to_login",
    "user_passes_test",
]

REDIRECT_FIELD_NAME = "next"
ViewT = TypeVar("ViewT", bound=Callable[..., Any])
UserTest = Callable[[Any], Any]  # sync or async, given the user


def redirect_to_login(
    next: str, login_url: str | None = None, redirect_field_name: str | None = REDIRECT_FIELD_NAME
) -> HttpResponseRedirect:
    """Redirect to the login page with `next` in its query string."""
    url = resolve_url(login_url or get_current_app().config.login_url)
    if not redirect_field_name:
        return HttpResponseRedirect(url)
    parts = urlsplit(url)
    query = urlencode({redirect_field_name: escape_leading_slashes(next)}, safe="/")
    query = f"{parts.query}&{query}" if parts.query else query
    return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


def user_passes_test(
    test_func: UserTest,
    login_url: str | None = None,
    redirect_field_name: str | None = REDIRECT_FIELD_NAME,
) -> Callable[[ViewT], ViewT]:
    """Call the view if `test_func(user)` is true, else redirect to the login page.

    `test_func` may be `async def`; a sync one runs in a thread under an async view, since
    it may read the database (Django's rule).
    """

    def refuse(request: Any) -> HttpResponseRedirect:
        return redirect_to_login(request.get_full_path(), login_url, redirect_field_name)

    def decorator(view: ViewT) -> ViewT:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_inner(request: Any, *args: Any, **kwargs: Any) -> Any:
                if await _apasses(test_func, await _auser(request)):
                    return await view(request, *args, **kwargs)
                return refuse(request)

            return async_inner  # type: ignore[return-value]

        @functools.wraps(view)
        def inner(request: Any, *args: Any, **kwargs: Any) -> Any:
            if _passes(test_func, _sync_user(request)):
                return view(request, *args, **kwargs)
            return refuse(request)

        return inner  # type: ignore[return-value]

    return decorator


async def _is_authenticated(user: Any) -> bool:
    return bool(user.is_authenticated)


def login_required(
    function: ViewT | None = None,
    redirect_field_name: str | None = REDIRECT_FIELD_NAME,
    login_url: str | None = None,
) -> Any:
    """Let logged-in users through; send the others to the login page."""
    decorator = user_passes_test(_is_authenticated, login_url, redirect_field_name)
    return decorator(function) if function is not None else decorator


def permission_required(
    perm: str | Iterable[str], login_url: str | None = None, raise_exception: bool = False
) -> Callable[[ViewT], ViewT]:
    """Let users with every permission named through; others go to the login page, or
    get a 403 with `raise_exception=True`."""
    perms = (perm,) if isinstance(perm, str) else tuple(perm)

    async def check_perms(user: Any) -> bool:
        if await user.ahas_perms(perms):
            return True
        if raise_exception:
            raise PermissionDenied
        return False

    return user_passes_test(check_perms, login_url=login_url)


async def _auser(request: Any) -> Any:
    _check_middleware(request)
    return await request.auser()


def _check_middleware(request: Any) -> None:
    if not hasattr(request, "auser"):
        raise ImproperlyConfigured(
            "This view needs request.user: add legato.auth.AuthenticationMiddleware (after "
            "legato.sessions.SessionMiddleware) to App(middleware=[...])."
        )


def _sync_user(request: Any) -> Any:
    """The user, loaded in this pool thread (through the loop) if it is not yet."""
    _check_middleware(request)
    cached = request.__dict__.get("_cached_user")
    return cached if cached is not None else async_to_sync(request.auser)()


async def _apasses(test_func: UserTest, user: Any) -> bool:
    if iscoroutinefunction(test_func):
        return bool(await test_func(user))
    result = await sync_to_async(test_func)(user)
    return bool(await result) if inspect.isawaitable(result) else bool(result)


def _passes(test_func: UserTest, user: Any) -> bool:
    if iscoroutinefunction(test_func):
        return bool(async_to_sync(test_func)(user))  # a pool thread: run it on the loop
    return bool(test_func(user))

"""Log users in and out: authenticate, login, logout, get_user, update_session_auth_hash.

Django's functions, all `async def` (a sync view calls them through `async_to_sync`).
The session holds three keys once a user has logged in: the user's id, the backend that
authenticated them, and a digest of their password hash (`get_session_auth_hash`).
`get_user` gives the anonymous user when the digest no longer matches, so changing a
password ends every other session of that user; the session that changed it keeps
going through `update_session_auth_hash`.

`login` gives the session a new key (a key planted before the login is worth nothing
after it: session fixation), and starts an empty session when the one it finds belongs
to another user. `authenticate` counts failures and refuses, before any password is
checked, once the limits of `legato.auth.throttle` are reached.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from legato._names import dotted_name
from legato.auth.anonymous import AnonymousUser
from legato.auth.backends import ModelBackend
from legato.auth.models import AbstractUser, database_of, get_user_model
from legato.auth.throttle import LoginThrottle
from legato.context import get_current_app
from legato.exceptions import PermissionDenied

__all__ = [
    "BACKEND_SESSION_KEY",
    "DEFAULT_BACKENDS",
    "HASH_SESSION_KEY",
    "SESSION_KEY",
    "authenticate",
    "backends_of",
    "get_user",
    "login",
    "logout",
    "update_session_auth_hash",
]

# Django's names, so a session read by both frameworks' code means the same.
SESSION_KEY = "_auth_user_id"
BACKEND_SESSION_KEY = "_auth_user_backend"
HASH_SESSION_KEY = "_auth_user_hash"

DEFAULT_BACKENDS: tuple[Any, ...] = (ModelBackend(),)


def backends_of(request: Any) -> Sequence[Any]:
    """The backends `AuthenticationMiddleware` gave the request, or the default one."""
    return getattr(request, "auth_backends", None) or DEFAULT_BACKENDS


async def authenticate(request: Any = None, **credentials: Any) -> Any:
    """The user these credentials belong to, or None; each backend is asked in turn.

    With a request, failures are counted per username and per client address, and
    `LoginThrottled` (429) is raised, before any password is checked, past the limits.
    """
    app = get_current_app()
    username = credentials.get(get_user_model(app).USERNAME_FIELD)
    throttle = None
    address = None
    if request is not None and isinstance(username, str):
        throttle = LoginThrottle.for_app(app)
        address = request.META.get("REMOTE_ADDR")
        await throttle.check(username, address)
    user = await _first_user(request, credentials)
    if throttle is not None and isinstance(username, str):
        if user is None:
            await throttle.failed(username, address)
        else:
            await throttle.succeeded(username)
    return user


async def _first_user(request: Any, credentials: dict[str, Any]) -> Any:
    for backend in backends_of(request):
        try:
            inspect.signature(backend.authenticate).bind(request, **credentials)
        except TypeError:
            continue  # this backend takes other credentials
        try:
            user = await backend.authenticate(request, **credentials)
        except PermissionDenied:
            return None  # the backend says: stop, no other backend may let them in
        if user is not None:
            user.backend = dotted_name(type(backend))
            return user
    return None


async def login(request: Any, user: Any, backend: Any = None) -> None:
    """Log `user` in: a new session key, the user's id, backend and password digest."""
    session = request.session
    session_hash = user.get_session_auth_hash()
    stored_id = await session.aget(SESSION_KEY)
    if stored_id is not None and (
        str(stored_id) != str(user.pk)
        or not user.session_auth_hash_matches(str(await session.aget(HASH_SESSION_KEY, "")))
    ):
        await session.aflush()  # someone else's session: nothing of it is kept
    else:
        await session.acycle_key()
    backend_name = _backend_name(request, user, backend)
    await session.aset(SESSION_KEY, str(user.pk))
    await session.aset(BACKEND_SESSION_KEY, backend_name)
    await session.aset(HASH_SESSION_KEY, session_hash)
    _remember(request, user)
    await _update_last_login(user)


def _backend_name(request: Any, user: Any, backend: Any) -> str:
    if backend is not None:
        return backend if isinstance(backend, str) else dotted_name(type(backend))
    named = getattr(user, "backend", None)
    if isinstance(named, str):
        return named
    configured = backends_of(request)
    if len(configured) != 1:
        raise ValueError(
            "Several authentication backends are configured: call login(request, user, "
            "backend=...) or log in a user that authenticate() returned."
        )
    return dotted_name(type(configured[0]))


async def _update_last_login(user: Any) -> None:
    if not isinstance(user, AbstractUser):
        return  # a model of the app's own: its last_login is its business
    user.last_login = datetime.datetime.now(datetime.UTC)
    model = type(user)
    async with database_of(None).session() as session:
        await session.execute(
            update(model).where(model.id == user.id).values(last_login=user.last_login)
        )


async def logout(request: Any) -> None:
    """Log the user out: the session is emptied and its key dropped."""
    await request.session.aflush()
    _remember(request, AnonymousUser())


async def get_user(request: Any) -> Any:
    """The user the request's session names, or AnonymousUser.

    Anonymous too when the backend is not configured any more, the user is gone or
    inactive, or the password digest does not match (then the session is flushed).
    """
    session = request.session
    user_id = await session.aget(SESSION_KEY)
    if user_id is None:
        return AnonymousUser()
    backend = _configured(request, await session.aget(BACKEND_SESSION_KEY))
    user = await backend.get_user(user_id) if backend is not None else None
    if user is None:
        return AnonymousUser()
    stored = await session.aget(HASH_SESSION_KEY)
    if not isinstance(stored, str) or not user.session_auth_hash_matches(stored):
        await session.aflush()
        return AnonymousUser()
    if stored != user.get_session_auth_hash():
        # Made with a fallback key: carry the session over to the current one.
        await session.aset(HASH_SESSION_KEY, user.get_session_auth_hash())
    return user


def _configured(request: Any, name: Any) -> Any:
    for backend in backends_of(request):
        if dotted_name(type(backend)) == name:
            return backend
    return None


async def update_session_auth_hash(request: Any, user: Any) -> None:
    """After `user` changed their password: keep this session (others end), new key."""
    session = request.session
    await session.acycle_key()
    if str(await session.aget(SESSION_KEY)) == str(user.pk):
        await session.aset(HASH_SESSION_KEY, user.get_session_auth_hash())
        _remember(request, user)


def _remember(request: Any, user: Any) -> None:
    """Make `user` the request's user for the rest of it (auser() and request.user)."""
    request.__dict__["_cached_user"] = user
    request.user = user

"""Check credentials against the user table: the default authentication backend.

A backend, as in Django, has `async authenticate(request, **credentials)` (a user, or
None) and `async get_user(user_id)`; `AuthenticationMiddleware.configure(backends=[...])`
sets an app's list (default: `ModelBackend` alone). Each query runs in a short session of
its own, committed at once, so that a login is the same whether or not the view has
touched `request.db`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from legato.auth import hashers
from legato.auth.models import AbstractUser, database_of, get_user_model, normalize_username
from legato.context import get_current_app

__all__ = ["ModelBackend"]

# Longer names cannot be in the table; looking them up would only cost a query.
_MAX_USERNAME_LENGTH = 150


class ModelBackend:
    """Log users in by username and password; inactive users cannot log in."""

    async def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **credentials: Any,
    ) -> AbstractUser | None:
        app = get_current_app()
        model = get_user_model(app)
        if username is None:
            username = credentials.get(model.USERNAME_FIELD)
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        user = await self._find(model, normalize_username(username))
        # Unknown users verify a dummy hash: the answer takes as long either way.
        encoded = user.password if user is not None else None
        if not await hashers.acheck_password(password, encoded, app) or user is None:
            return None
        if hashers.needs_rehash(user.password, hashers.HashParameters.from_config(app.config)):
            await self._rehash(user, password)
        return user if self.user_can_authenticate(user) else None

    async def get_user(self, user_id: Any) -> AbstractUser | None:
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        app = get_current_app()
        model = get_user_model(app)
        async with _database() as session:
            user = await session.get(model, key)
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "is_active", True))

    async def _find(self, model: type[AbstractUser], username: str) -> AbstractUser | None:
        if not _storable(username):
            return None
        column = getattr(model, model.USERNAME_FIELD)
        async with _database() as session:
            found: AbstractUser | None = await session.scalar(
                select(model).where(column == username)
            )
        return found

    async def _rehash(self, user: AbstractUser, password: str) -> None:
        await user.aset_password(password)
        model = type(user)
        async with _database() as session:
            await session.execute(
                update(model).where(model.id == user.id).values(password=user.password)
            )


def _storable(username: str) -> bool:
    """Could this name be in the table? Not if too long, or holding NUL or a lone
    surrogate (PostgreSQL refuses them in text: a 500, not a failed login)."""
    if not username or len(username) > _MAX_USERNAME_LENGTH or "\x00" in username:
        return False
    try:
        username.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _database() -> Any:
    return database_of(None).session()

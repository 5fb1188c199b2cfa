"""The user table, its permissions, and how an app extends or replaces it.

Models are SQLAlchemy 2 declarative classes on `Base`, this package's declarative base:
an app creates their tables with `await app.database.create_all(Base.metadata)` at
start-up (development) or with an Alembic migration, and puts on this same `Base` its
own models that reference users (`ForeignKey("legato_users.id")`).

- `AbstractUser` holds the columns and methods Legato's auth needs; `User` is the
  default table (`legato_users`). To add columns, subclass `AbstractUser` with your own
  `__tablename__` and name it in `App(user_model="shop.models.Customer")`; to replace it,
  give any mapped class with the same names (`id`, `username` or its `USERNAME_FIELD`,
  `password`, `is_active`, `is_superuser`, `last_login`, the methods below).
  `get_user_model()` returns the app's class.
- Permissions are strings (`"shop.change_price"`) held in `UserPermission` rows (user id
  and codename; no foreign key, so the table serves any user model).
  `await user.ahas_perm(...)` reads them once per user object; the sync `has_perm`
  works in a thread (a sync view) and refuses on the loop, naming the async method.
- Passwords are Argon2id hashes (`legato.auth.hashers`); the async methods hash in the
  app's thread pool, the sync ones block and refuse to run on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import hashlib
import hmac
import importlib
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, DateTime, Float, Integer, String, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legato.auth import hashers
from legato.context import current_app, get_current_app
from legato.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from legato.signing import current_keys
from legato.sync import async_to_sync

if TYPE_CHECKING:
    from legato.app import App
    from legato.db.database import Database

__all__ = [
    "AbstractUser",
    "Base",
    "LoginFailure",
    "User",
    "UserPermission",
    "create_superuser",
    "create_user",
    "database_of",
    "get_user_model",
    "grant_permissions",
    "normalize_username",
    "revoke_permissions",
]

_SESSION_HASH_SALT = b"legato.auth.models.AbstractUser.get_session_auth_hash"


class Base(DeclarativeBase):
    """The declarative base of the auth tables; put models that reference users on it."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def normalize_username(username: str) -> str:
    """NFKC, as Django: a full-width name and its ASCII twin are one name."""
    return unicodedata.normalize("NFKC", username)


class AbstractUser(Base):
    """The columns and behaviour of a user; subclass it to add columns."""

    __abstract__ = True
    USERNAME_FIELD: ClassVar[str] = "username"
    EMAIL_FIELD: ClassVar[str] = "email"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True, index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    date_joined: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_login: Mapped[datetime.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def __str__(self) -> str:
        return self.get_username()

    @property
    def pk(self) -> int:
        return self.id

    def get_username(self) -> str:
        return str(getattr(self, self.USERNAME_FIELD))

    # Passwords

    def set_password(self, raw_password: str | None) -> None:
        _refuse_on_the_loop("user.set_password()", "await user.aset_password(password)")
        self.password = hashers.make_password(raw_password)

    async def aset_password(self, raw_password: str | None) -> None:
        self.password = await hashers.amake_password(raw_password)

    def check_password(self, raw_password: str | None) -> bool:
        _refuse_on_the_loop("user.check_password()", "await user.acheck_password(password)")
        return hashers.check_password(raw_password, self.password)

    async def acheck_password(self, raw_password: str | None) -> bool:
        return await hashers.acheck_password(raw_password, self.password)

    def set_unusable_password(self) -> None:
        self.password = hashers.make_password(None)

    def has_usable_password(self) -> bool:
        return hashers.is_password_usable(self.password)

    def get_session_auth_hash(self) -> str:
        """A digest of the password hash kept in the session: a new password ends the
        user's other sessions, since theirs no longer matches."""
        return _session_auth_hashes(self.password)[0]

    def session_auth_hash_matches(self, stored: str) -> bool:
        """True if `stored` is this user's session hash, under the key or a fallback."""
        given = stored.encode("utf-8", "surrogatepass")  # bytes: any text compares
        return any(
            hmac.compare_digest(given, each.encode())
            for each in _session_auth_hashes(self.password)
        )

    # Permissions

    async def aget_all_permissions(self) -> set[str]:
        """The codenames granted to this user (read once per user object)."""
        if not self.is_active:
            return set()
        cached: set[str] | None = self.__dict__.get("_legato_permissions")
        if cached is None:
            cached = await _permissions_of(self.id)
            self.__dict__["_legato_permissions"] = cached
        return cached

    async def ahas_perm(self, perm: str) -> bool:
        if self.is_active and self.is_superuser:
            return True
        return perm in await self.aget_all_permissions()

    async def ahas_perms(self, perms: Iterable[str]) -> bool:
        if isinstance(perms, str):
            raise ValueError("perms must be an iterable of permissions, not one string.")
        for perm in perms:
            if not await self.ahas_perm(perm):
                return False
        return True

    def get_all_permissions(self) -> set[str]:
        if not self.is_active:
            return set()
        cached: set[str] | None = self.__dict__.get("_legato_permissions")
        if cached is not None:
            return cached
        _refuse_on_the_loop("Reading a user's permissions", "await user.ahas_perm(...)")
        return async_to_sync(self.aget_all_permissions)()  # a thread: wait for the loop

    def has_perm(self, perm: str) -> bool:
        if self.is_active and self.is_superuser:
            return True
        return perm in self.get_all_permissions()

    def has_perms(self, perms: Iterable[str]) -> bool:
        if isinstance(perms, str):
            raise ValueError("perms must be an iterable of permissions, not one string.")
        return all(self.has_perm(perm) for perm in perms)


def _refuse_on_the_loop(what: str, instead: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # a thread: blocking is allowed here
    raise SynchronousOnlyOperation(
        f"{what} blocks (hashing, or the database), and this code runs on the event "
        f"loop: use `{instead}`."
    )


def _session_auth_hashes(password: str) -> list[str]:
    keys = current_keys.get()
    if keys is None:
        app = current_app.get()
        keys = None if app is None else app.secret_keys
    secrets = [keys.secret_key, *keys.fallbacks] if keys is not None else [""]
    return [
        hmac.new(
            hashlib.sha256(_SESSION_HASH_SALT + secret.encode()).digest(),
            password.encode(),
            hashlib.sha256,
        ).hexdigest()
        for secret in secrets
    ]


class User(AbstractUser):
    """The default user table."""

    __tablename__ = "legato_users"


class UserPermission(Base):
    """One permission granted to one user."""

    __tablename__ = "legato_user_permissions"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    codename: Mapped[str] = mapped_column(String(255), primary_key=True)


class LoginFailure(Base):
    """A failed-login counter of `legato.auth.throttle`, when sessions are in the database."""

    __tablename__ = "legato_login_failures"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float)  # time.time() when the window ends


def get_user_model(app: App | None = None) -> type[AbstractUser]:
    """The app's user class: `App(user_model="pkg.module.Class")`, or `User`."""
    app = app or current_app.get()
    path = app.config.user_model if app is not None else None
    return User if path is None else _import_model(path)


@functools.cache
def _import_model(path: str) -> type[AbstractUser]:
    module_name, _, name = path.rpartition(".")
    try:
        model = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"user_model={path!r} cannot be imported ({exc}); give the dotted path of a "
            "mapped class, e.g. 'shop.models.Customer'."
        ) from None
    if not isinstance(model, type) or not hasattr(model, "__table__"):
        raise ImproperlyConfigured(
            f"user_model={path!r} is not a mapped SQLAlchemy class: subclass "
            "legato.auth.models.AbstractUser and give it a __tablename__."
        )
    return model


def database_of(app: App | None) -> Database:
    """The database users live in: `app`'s, or the serving app's."""
    app = app or get_current_app()
    if app.database is None:
        raise ImproperlyConfigured(
            "Users live in the app's database: pass App(database='sqlite+aiosqlite:///"
            "app.sqlite3') and create the tables (await app.database.create_all("
            "legato.auth.models.Base.metadata))."
        )
    return app.database


async def create_user(
    username: str,
    email: str = "",
    password: str | None = None,
    *,
    app: App | None = None,
    **extra_fields: Any,
) -> AbstractUser:
    """Insert a user (password hashed in the pool; None: unusable) and return it.

    `app` defaults to the app serving the request; pass it from a script or a start-up hook.
    """
    app = app or get_current_app()
    model = get_user_model(app)
    user = model(**{model.USERNAME_FIELD: normalize_username(username)}, **extra_fields)
    user.email = _normalize_email(email)
    user.password = await hashers.amake_password(password, app)
    async with database_of(app).session() as session:
        session.add(user)
    return user


async def create_superuser(
    username: str,
    email: str = "",
    password: str | None = None,
    *,
    app: App | None = None,
    **extra_fields: Any,
) -> AbstractUser:
    """`create_user` with is_staff and is_superuser set."""
    extra_fields.setdefault("is_staff", True)
    extra_fields.setdefault("is_superuser", True)
    return await create_user(username, email, password, app=app, **extra_fields)


async def grant_permissions(user: AbstractUser, *perms: str, app: App | None = None) -> None:
    """Give `user` the permissions named (`"shop.change_price"`); granted ones are kept."""
    have = await _permissions_of(user.id, app)
    async with database_of(app).session() as session:
        session.add_all(UserPermission(user_id=user.id, codename=p) for p in set(perms) - have)
    user.__dict__.pop("_legato_permissions", None)


async def revoke_permissions(user: AbstractUser, *perms: str, app: App | None = None) -> None:
    async with database_of(app).session() as session:
        await session.execute(
            delete(UserPermission).where(
                UserPermission.user_id == user.id, UserPermission.codename.in_(perms)
            )
        )
    user.__dict__.pop("_legato_permissions", None)


async def _permissions_of(user_id: int, app: App | None = None) -> set[str]:
    async with database_of(app).session() as session:
        rows = await session.scalars(
            select(UserPermission.codename).where(UserPermission.user_id == user_id)
        )
        return set(rows)


def _normalize_email(email: str) -> str:
    # Django's: the domain part is case-insensitive, the local part is not.
    local, at, domain = (email or "").strip().rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else (email or "").strip()

"""Hash and check passwords with Argon2id (argon2-cffi), off the event loop.

Hashing is deliberately slow CPU work (tens of milliseconds, tens of MB), so the async
functions here run it in the app's thread pool, never on the loop: argon2-cffi releases
the GIL while it hashes, and the loop goes on serving other requests. At most one hash
per CPU runs at once (`HASH_CONCURRENCY`); the others wait on the loop, holding neither
a pool thread nor argon2's memory, so a burst of logins costs memory in proportion to
the CPUs, not to the burst.

The cost parameters are the app's `password_hash_time_cost`, `password_hash_memory_cost`
(KiB) and `password_hash_parallelism`. A hash made with other parameters still verifies,
and `needs_rehash` says it should be replaced (done on the next successful login).

Two guards against the login form being a tool for attackers:
- `MAX_PASSWORD_LENGTH`: a longer password is never hashed, so its check fails at once
  (no stored hash can match it, since no longer password is ever set).
- `check_password(password, None)` verifies against a dummy hash made with the same
  parameters, so an unknown username costs as long as a wrong password.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from legato.context import current_app

if TYPE_CHECKING:
    from legato.app import App
    from legato.config import Config

__all__ = [
    "HASH_CONCURRENCY",
    "MAX_PASSWORD_LENGTH",
    "UNUSABLE_PASSWORD_PREFIX",
    "HashParameters",
    "acheck_password",
    "amake_password",
    "check_password",
    "is_password_usable",
    "make_password",
    "needs_rehash",
]

# Django's old bound, which no pass phrase reaches; a 10 MB "password" is refused unread.
MAX_PASSWORD_LENGTH = 4096
# Django's marker of a user who cannot log in with a password (set_unusable_password).
UNUSABLE_PASSWORD_PREFIX = "!"
# Hashes run at once per event loop: argon2 is CPU-bound, more would only queue in the
# kernel and hold memory_cost KiB each.
HASH_CONCURRENCY = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class HashParameters:
    """Argon2id's cost: iterations, memory in KiB, lanes."""

    time_cost: int = 3
    memory_cost: int = 65_536
    parallelism: int = 4

    @classmethod
    def from_config(cls, config: Config) -> HashParameters:
        return cls(
            config.password_hash_time_cost,
            config.password_hash_memory_cost,
            config.password_hash_parallelism,
        )

    @classmethod
    def current(cls) -> HashParameters:
        """The serving app's parameters; the defaults outside a request."""
        app = current_app.get()
        return cls() if app is None else cls.from_config(app.config)


@functools.cache
def _hasher(parameters: HashParameters) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
        type=argon2.Type.ID,
    )


@functools.cache
def _dummy_hash(parameters: HashParameters) -> str:
    # Made once per parameter set (lock-free: two threads may both make one, harmlessly).
    return _hasher(parameters).hash(secrets.token_urlsafe(16))


def make_password(password: str | None, parameters: HashParameters | None = None) -> str:
    """Hash `password` (blocking: call from a thread, or use `amake_password`).

    None gives an unusable password, as Django's `make_password(None)`.
    """
    if password is None:
        return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(
            f"A password may have at most {MAX_PASSWORD_LENGTH} characters; this one has "
            f"{len(password)}."
        )
    return _hasher(parameters or HashParameters.current()).hash(_bytes(password))


def check_password(
    password: str | None, encoded: str | None, parameters: HashParameters | None = None
) -> bool:
    """True if `password` matches `encoded` (blocking; see `acheck_password`).

    With `encoded` None (an unknown user) or unusable, a dummy hash is verified so that
    the answer, always False, takes as long as for a known user.
    """
    parameters = parameters or HashParameters.current()
    if password is None or len(password) > MAX_PASSWORD_LENGTH:
        return False
    usable = encoded is not None and is_password_usable(encoded)
    target = encoded if usable and encoded is not None else _dummy_hash(parameters)
    try:
        matched = _hasher(parameters).verify(target, _bytes(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and usable


def _bytes(password: str) -> bytes:
    # A lone surrogate (from a client's malformed text) must hash, not raise.
    return password.encode("utf-8", "surrogatepass")


def needs_rehash(encoded: str, parameters: HashParameters | None = None) -> bool:
    """True if `encoded` was made with other parameters than the current ones."""
    try:
        return _hasher(parameters or HashParameters.current()).check_needs_rehash(encoded)
    except InvalidHashError:
        return True


def is_password_usable(encoded: str | None) -> bool:
    return encoded is not None and not encoded.startswith(UNUSABLE_PASSWORD_PREFIX)


async def amake_password(password: str | None, app: App | None = None) -> str:
    """Hash `password` in the app's thread pool (the serving app's, if `app` is None)."""
    app = app or _app()
    parameters = HashParameters.from_config(app.config)
    return await _in_pool(app, functools.partial(make_password, password, parameters))


async def acheck_password(
    password: str | None, encoded: str | None, app: App | None = None
) -> bool:
    """`check_password` in the app's thread pool: the loop is never blocked by it."""
    if password is None or len(password) > MAX_PASSWORD_LENGTH:
        return False  # refused unread: nothing to wait for
    app = app or _app()
    parameters = HashParameters.from_config(app.config)
    return await _in_pool(app, functools.partial(check_password, password, encoded, parameters))


async def _in_pool(app: App, call: Callable[[], R]) -> R:
    async with _hash_slots(asyncio.get_running_loop()):
        return await app.thread_pool.run(call)


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _hash_slots(loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(HASH_CONCURRENCY)
    return slots


def _app() -> App:
    from legato.context import get_current_app

    return get_current_app()

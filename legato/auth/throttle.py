"""Throttle failed logins, per username and per client address.

Each failed login counts against the username tried and against the client address;
once either has reached its limit within `login_failure_window` seconds
(`login_failure_limit`, `login_failure_address_limit`), `authenticate()` raises
`LoginThrottled` before checking any password, and the login view (or
`AuthenticationMiddleware`, for an app's own view) answers 429 with `Retry-After`. A
window starts at the first failure and is not extended by later ones, so a locked-out
user waits at most one window.

A successful login clears the username's counter only: the address keeps its count, or
an attacker with one account of their own could log into it between guesses at others'.

The counters live where the sessions do (`session_store`): in Redis (`redis`: the
session store's URL, or the channel layer's), in the app's database (`db`: the
`legato_login_failures` table of `legato.auth.models`), or, for signed-cookie sessions,
in the memory of the process: then each worker process counts alone, so N workers allow
N times the limits, and a restart forgets. The client address is `REMOTE_ADDR`, the
peer of the connection: behind a proxy it is the proxy's, unless the deployment rewrites
it (uvicorn's `--forwarded-allow-ips`, say), and then every client shares one address
limit.

Keys are digests of the username (NFKC, case-folded) and the address, so their length
does not depend on what a client sends.
"""

from __future__ import annotations

import hashlib
import math
import time
import unicodedata
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from legato.auth.models import LoginFailure
from legato.exceptions import ImproperlyConfigured, PermissionDenied

if TYPE_CHECKING:
    from legato.app import App

__all__ = [
    "CLEANUP_EVERY",
    "MAX_MEMORY_KEYS",
    "Counters",
    "DatabaseCounters",
    "LoginThrottle",
    "LoginThrottled",
    "MemoryCounters",
    "RedisCounters",
]

# Counters kept at most by MemoryCounters: a flood of made-up usernames can fill it, and
# then the oldest entries go first, so its memory stays bounded.
MAX_MEMORY_KEYS = 100_000
# DatabaseCounters deletes the rows of ended windows once every this many failures.
CLEANUP_EVERY = 1000


class LoginThrottled(PermissionDenied):
    """Too many failed logins: answered 429 with `Retry-After: retry_after` (seconds).

    A PermissionDenied, so that without `AuthenticationMiddleware` it is at least a 403.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins: try again in {retry_after} seconds.")
        self.retry_after = retry_after


class Counters(Protocol):
    """Where failure counts are kept: each key counts within its own window."""

    async def read(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        """(count, seconds left in the window) for each key; (0, 0) when none."""
        ...

    async def hit(self, keys: Sequence[str], window: float) -> None:
        """Add one failure to each key, starting its window if it has none."""
        ...

    async def clear(self, key: str) -> None: ...


class MemoryCounters:
    """Counts in this process's memory (signed-cookie sessions)."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.max_keys = max_keys
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)

    async def read(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        now = time.monotonic()
        found = []
        for key in keys:
            count, expires = self._counts.get(key, (0, 0.0))
            found.append((count, expires - now) if expires > now else (0, 0.0))
        return found

    async def hit(self, keys: Sequence[str], window: float) -> None:
        now = time.monotonic()
        for key in keys:
            count, expires = self._counts.pop(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + window
            self._counts[key] = (count + 1, expires)  # re-inserted: the newest entry
        while len(self._counts) > self.max_keys:
            del self._counts[next(iter(self._counts))]

    async def clear(self, key: str) -> None:
        self._counts.pop(key, None)


class RedisCounters:
    """Counts in Redis (session_store="redis"): shared by every worker and machine.

    One short connection per operation: logins are rare next to requests, and nothing
    is left open when the app stops.
    """

    prefix = "legato:login-failures:"

    def __init__(self, url: str) -> None:
        self.url = url

    async def read(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        async with self._client() as redis, redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.get(self.prefix + key)
                pipe.pttl(self.prefix + key)
            answers = await pipe.execute()
        found = []
        for count, ttl in zip(answers[::2], answers[1::2], strict=True):
            found.append((int(count), max(ttl, 0) / 1000) if count is not None else (0, 0.0))
        return found

    async def hit(self, keys: Sequence[str], window: float) -> None:
        async with self._client() as redis, redis.pipeline(transaction=True) as pipe:
            for key in keys:
                # SET NX starts the window once; INCR keeps the expiry SET gave.
                pipe.set(self.prefix + key, 0, px=max(1, int(window * 1000)), nx=True)
                pipe.incr(self.prefix + key)
            await pipe.execute()

    async def clear(self, key: str) -> None:
        async with self._client() as redis:
            await redis.delete(self.prefix + key)

    def _client(self) -> Any:
        import redis.asyncio

        return redis.asyncio.Redis.from_url(self.url, decode_responses=True)


class DatabaseCounters:
    """Counts in the app's database (session_store="db"), table legato_login_failures."""

    def __init__(self, app: App) -> None:
        if app.database is None:
            raise ImproperlyConfigured(
                'session_store="db" needs App(database=...): failed logins are counted there.'
            )
        self.database = app.database
        self._hits = 0

    async def read(self, keys: Sequence[str]) -> list[tuple[int, float]]:
        now = time.time()
        async with self.database.session() as session:
            rows = await session.execute(
                select(LoginFailure.key, LoginFailure.count, LoginFailure.expires_at).where(
                    LoginFailure.key.in_(keys), LoginFailure.expires_at > now
                )
            )
            found = {key: (count, expires - now) for key, count, expires in rows}
        return [found.get(key, (0, 0.0)) for key in keys]

    async def hit(self, keys: Sequence[str], window: float) -> None:
        now = time.time()
        for key in keys:
            await self._hit_one(key, now, window)
        self._hits += 1
        if self._hits % CLEANUP_EVERY == 0:
            # Made-up usernames leave a row each; their windows are long over.
            async with self.database.session() as session:
                await session.execute(delete(LoginFailure).where(LoginFailure.expires_at <= now))

    async def _hit_one(self, key: str, now: float, window: float) -> None:
        for _ in range(3):
            try:
                async with self.database.session() as session:
                    if await self._count_in_window(session, key, now):
                        return
                    # No live window: start one, replacing an expired row if there is one.
                    expired = (LoginFailure.key == key, LoginFailure.expires_at <= now)
                    await session.execute(delete(LoginFailure).where(*expired))
                    session.add(LoginFailure(key=key, count=1, expires_at=now + window))
                return
            except IntegrityError:
                continue  # another request started this window meanwhile: count in it

    @staticmethod
    async def _count_in_window(session: Any, key: str, now: float) -> bool:
        counted = await session.execute(
            update(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.expires_at > now)
            .values(count=LoginFailure.count + 1)
        )
        return bool(counted.rowcount)

    async def clear(self, key: str) -> None:
        async with self.database.session() as session:
            await session.execute(delete(LoginFailure).where(LoginFailure.key == key))


class LoginThrottle:
    """The failed-login limits of one app, over its counters."""

    def __init__(
        self, counters: Counters, *, limit: int, address_limit: int, window: float
    ) -> None:
        self.counters = counters
        self.limit = limit
        self.address_limit = address_limit
        self.window = window

    @classmethod
    def for_app(cls, app: App) -> LoginThrottle:
        """The app's throttle, made once, over the counters its session_store implies."""
        throttle = _throttles.get(app)
        if throttle is None:
            config = app.config
            throttle = _throttles[app] = cls(
                _counters_for(app),
                limit=config.login_failure_limit,
                address_limit=config.login_failure_address_limit,
                window=config.login_failure_window,
            )
        return throttle

    async def retry_after(self, username: str, address: str | None) -> int | None:
        """Seconds until a login may be tried again, or None if it may be now."""
        keys = _keys(username, address)
        limits = (self.limit, self.address_limit)
        waits = [
            left
            for (count, left), limit in zip(await self.counters.read(keys), limits, strict=False)
            if count >= limit
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    async def check(self, username: str, address: str | None) -> None:
        """Raise LoginThrottled if a login may not be tried now."""
        wait = await self.retry_after(username, address)
        if wait is not None:
            raise LoginThrottled(wait)

    async def failed(self, username: str, address: str | None) -> None:
        await self.counters.hit(_keys(username, address), self.window)

    async def succeeded(self, username: str) -> None:
        await self.counters.clear(_keys(username, None)[0])


_throttles: weakref.WeakKeyDictionary[App, LoginThrottle] = weakref.WeakKeyDictionary()


def _counters_for(app: App) -> Counters:
    store = app.config.session_store
    if store == "redis":
        return RedisCounters(_redis_url(app))
    if store == "db":
        return DatabaseCounters(app)
    return MemoryCounters()


def _redis_url(app: App) -> str:
    url = app.config.session_redis_url or getattr(app.channels, "url", None)
    if not isinstance(url, str):
        raise ImproperlyConfigured(
            'session_store="redis" needs a Redis URL: set session_redis_url, or '
            'App(channels="redis://...").'
        )
    return url


def _keys(username: str, address: str | None) -> list[str]:
    folded = unicodedata.normalize("NFKC", username).casefold()
    keys = ["user:" + _digest(folded)]
    if address:
        keys.append("addr:" + _digest(address))
    return keys


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]

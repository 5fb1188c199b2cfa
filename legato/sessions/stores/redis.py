"""Keep sessions in Redis (`session_store="redis"`): one key each, expired by Redis.

The server is `session_redis_url`, or the channel layer's when the app has a Redis
channel layer. Each session is a string `legato:session:<key>` holding its JSON, with
a TTL of the session's age, so Redis deletes what expired. redis-py's asyncio client,
made on first use on the app's event loop and closed at shut-down.
"""

from __future__ import annotations

from typing import Any, ClassVar

import redis.asyncio as aioredis

from legato.sessions import serializer
from legato.sessions.stores.base import is_valid_key, new_session_key, security_logger

__all__ = ["RedisStore"]

# Without a timeout, a Redis that stops answering would hang every request that saves.
_SOCKET_TIMEOUT = 5.0
_NEW_KEY_ATTEMPTS = 5


class RedisStore:
    """Sessions as Redis strings with a TTL."""

    name: ClassVar[str] = "redis"
    needs_io: ClassVar[bool] = True

    def __init__(self, url: str, prefix: str = "legato:session:") -> None:
        self.url = url
        self.prefix = prefix
        self._client: aioredis.Redis | None = None

    async def prepare(self) -> None:
        """Reach the server now, so that a wrong URL stops the start-up."""
        await self._redis().ping()

    async def load(self, session_key: str) -> dict[str, Any] | None:
        if not is_valid_key(session_key):
            security_logger.debug("Session key refused: not a key this store makes")
            return None
        raw = await self._redis().get(self.prefix + session_key)
        if raw is None:
            return None
        return serializer.decode_stored(raw)

    async def save(self, session_key: str | None, data: dict[str, Any], max_age: int) -> str:
        raw = serializer.encode(data)
        ttl = max(max_age, 1)  # Redis refuses 0; a session saved expired lasts a second
        client = self._redis()
        if session_key is not None:
            await client.set(self.prefix + session_key, raw, ex=ttl)
            return session_key
        for _ in range(_NEW_KEY_ATTEMPTS):
            session_key = new_session_key()
            if await client.set(self.prefix + session_key, raw, ex=ttl, nx=True):
                return session_key
        raise RuntimeError("Could not find an unused session key; is the random source broken?")

    async def delete(self, session_key: str) -> None:
        await self._redis().delete(self.prefix + session_key)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _redis(self) -> aioredis.Redis:
        if self._client is None:
            self._client = aioredis.Redis.from_url(
                self.url, socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=_SOCKET_TIMEOUT
            )
        return self._client

"""Keep the whole session in the cookie, signed: the default store, no I/O at all.

The cookie's value is the session key: the data as JSON (compressed when that is
shorter), the time it expires, and an HMAC-SHA256 over both with the app's secret key
(itsdangerous, as legato/signing.py; its own salt, so no other signed value passes for
a session). The client can read the data but not change it; do not put secrets in it.
Saving re-signs with the current key; a cookie signed with one of `secret_key_fallbacks`
is still read, so rotating keys logs nobody out.

What a browser would drop is refused here: a cookie of more than 4096 bytes is not set
(SessionTooLarge, logged by the middleware), and one that arrives larger is not read.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any, ClassVar

from itsdangerous import BadSignature, URLSafeTimedSerializer

from legato.sessions import serializer
from legato.sessions.stores.base import SessionTooLarge, security_logger
from legato.signing import SecretKeys

__all__ = ["MAX_COOKIE_SIZE", "SignedCookieStore"]

# What browsers keep of one cookie, name and value together (RFC 6265 section 6.1).
MAX_COOKIE_SIZE = 4096
_SALT = "legato.sessions.signed_cookies"


class _Json:
    """itsdangerous's serializer interface over orjson."""

    @staticmethod
    def dumps(value: Any) -> bytes:
        return serializer.encode(value)

    @staticmethod
    def loads(raw: bytes | str) -> Any:
        return serializer.decode(raw)


class SignedCookieStore:
    """Session data in a signed cookie: nothing kept on the server."""

    name: ClassVar[str] = "signed_cookies"
    needs_io: ClassVar[bool] = False

    def __init__(self, keys: SecretKeys, cookie_name: str) -> None:
        self.cookie_name = cookie_name
        # itsdangerous signs with the last key and accepts any of them.
        self._serializer = URLSafeTimedSerializer(
            [*keys.fallbacks, keys.secret_key],
            salt=f"{_SALT}:{cookie_name}",
            serializer=_Json,
            signer_kwargs={"digest_method": hashlib.sha256, "key_derivation": "hmac"},
        )

    async def load(self, session_key: str) -> dict[str, Any] | None:
        if len(self.cookie_name) + 1 + len(session_key) > MAX_COOKIE_SIZE:
            security_logger.debug("Session cookie refused: %d bytes", len(session_key))
            return None
        try:
            payload = self._serializer.loads(session_key)
        except BadSignature as exc:
            security_logger.debug("Session cookie refused: %s", type(exc).__name__)
            return None
        return _unexpired(payload)

    async def save(self, session_key: str | None, data: dict[str, Any], max_age: int) -> str:
        # The nonce makes each save a new value, even within one second: a cycled key
        # (log-in) never equals the one before.
        payload = {"e": int(time.time()) + max_age, "n": secrets.token_urlsafe(6), "d": data}
        signed = self._serializer.dumps(payload)
        value = signed.decode() if isinstance(signed, bytes) else signed
        size = len(self.cookie_name) + 1 + len(value)
        if size > MAX_COOKIE_SIZE:
            raise SessionTooLarge(
                f"The session would make a {size}-byte cookie; browsers drop cookies over "
                f"{MAX_COOKIE_SIZE} bytes. Keep less in the session, or use "
                "App(session_store='db') or 'redis'."
            )
        return value

    async def delete(self, session_key: str) -> None:
        """Nothing to do: the cookie is the data, and the middleware deletes it."""

    async def close(self) -> None:
        """Nothing to release."""


def _unexpired(payload: object) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        security_logger.debug("Session cookie refused: not a session")
        return None
    expires, data = payload.get("e"), payload.get("d")
    if not isinstance(expires, int) or not isinstance(data, dict):
        security_logger.debug("Session cookie refused: not a session")
        return None
    if expires <= time.time():
        security_logger.debug("Session cookie refused: expired")
        return None
    return data

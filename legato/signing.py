"""Sign cookie values with the app's secret key and check them, as Django's signed cookies.

itsdangerous does the cryptography: an HMAC-SHA256 over the value and the time it was
signed, with a key derived from the secret key and a salt, checked in constant time.
This module adds Django's semantics on top:

- The salt is the cookie's name plus the caller's `salt`, so a value signed for one
  cookie (or one purpose) is refused for another.
- Key rotation as Django's SECRET_KEY_FALLBACKS: values are signed with `secret_key`
  and accepted when signed with it or any of `fallbacks`.
- `max_age` (seconds or a timedelta) refuses values signed longer ago, with
  `SignatureExpired`, a `BadSignature`; a value signed "in the future" by a server
  whose clock runs ahead is not refused, as in Django.

The keys are the app's (`App(secret_key=..., secret_key_fallbacks=[...])`), found through
the app serving the request (legato/context.py), so `request.get_signed_cookie` and
`response.set_signed_cookie` keep Django's signatures. Outside a request (a script, a
unit test), set `current_keys`: when set, it wins over the app's.
The format is Legato's own; Django's signed cookies are not read.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Final

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from legato.context import current_app
from legato.exceptions import ImproperlyConfigured

__all__ = [
    "RAISE_ERROR",
    "BadSignature",
    "SecretKeys",
    "SignatureExpired",
    "current_keys",
    "sign_cookie",
    "unsign_cookie",
]

RAISE_ERROR: Final = object()
"""The default of `get_signed_cookie`: raise instead of returning a default."""

_COOKIE_SALT = "legato.signing.cookie"


@dataclasses.dataclass(frozen=True, slots=True)
class SecretKeys:
    """The key values are signed with, and the older keys still accepted."""

    secret_key: str = dataclasses.field(repr=False)
    fallbacks: tuple[str, ...] = dataclasses.field(default=(), repr=False)

    def __post_init__(self) -> None:
        for key in (self.secret_key, *self.fallbacks):
            if not isinstance(key, str) or not key:
                got = "an empty string" if key == "" else f"a {type(key).__name__}"
                raise ImproperlyConfigured(
                    f"Secret keys must be non-empty strings, got {got}: set "
                    "App(secret_key=...) and each of secret_key_fallbacks to a long random string."
                )

    @classmethod
    def from_settings(
        cls, secret_key: str | None, fallbacks: tuple[str, ...] = ()
    ) -> SecretKeys | None:
        """The keys an app's settings name, or None when it has no secret key."""
        return None if secret_key is None else cls(secret_key, tuple(fallbacks))


current_keys: ContextVar[SecretKeys | None] = ContextVar("current_keys", default=None)


def _keys() -> SecretKeys:
    keys = current_keys.get()
    if keys is None:
        app = current_app.get()
        keys = None if app is None else app.secret_keys
    if keys is None:
        raise ImproperlyConfigured(
            "Signed cookies need a secret key: pass App(secret_key=...) or set the "
            "LEGATO_SECRET_KEY environment variable (a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    return keys


def _signer(keys: SecretKeys, cookie_name: str, salt: str) -> TimestampSigner:
    # itsdangerous signs with the last key and accepts any: the current key goes last.
    return TimestampSigner(
        [*keys.fallbacks, keys.secret_key],
        # The name's length keeps ("ab", "c") and ("a", "bc") apart.
        salt=f"{_COOKIE_SALT}:{len(cookie_name)}:{cookie_name}{salt}",
        digest_method=hashlib.sha256,
        key_derivation="hmac",
    )


def sign_cookie(cookie_name: str, value: str, salt: str = "") -> str:
    """Return `value` with its signature and the time, for cookie `cookie_name`."""
    return _signer(_keys(), cookie_name, salt).sign(value).decode()


def unsign_cookie(
    cookies: Mapping[str, str],
    cookie_name: str,
    default: object = RAISE_ERROR,
    salt: str = "",
    max_age: float | datetime.timedelta | None = None,
) -> object:
    """Return the value of signed cookie `cookie_name` in `cookies`, as Django's request does.

    A missing cookie raises KeyError, a bad or expired signature BadSignature, unless
    `default` is given: then it is returned instead.
    """
    signer = _signer(_keys(), cookie_name, salt)
    try:
        signed = cookies[cookie_name]
    except KeyError:
        if default is RAISE_ERROR:
            raise
        return default
    try:
        return _unsign(signer, signed, max_age)
    except BadSignature:
        if default is RAISE_ERROR:
            raise
        return default


def _unsign(
    signer: TimestampSigner, signed: str, max_age: float | datetime.timedelta | None
) -> str:
    value, signed_at = signer.unsign(signed, return_timestamp=True)
    if max_age is not None:
        if isinstance(max_age, datetime.timedelta):
            max_age = max_age.total_seconds()
        age = time.time() - signed_at.timestamp()
        if age > max_age:
            raise SignatureExpired(f"Signature age {age:.0f} > {max_age} seconds", payload=value)
    return value.decode()  # what sign_cookie signed: UTF-8 text

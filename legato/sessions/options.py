"""The session settings an app gives its middleware and sessions, read once at start-up."""

from __future__ import annotations

import dataclasses

from legato.config import Config

__all__ = ["SessionOptions"]


@dataclasses.dataclass(frozen=True, slots=True)
class SessionOptions:
    """App(session_cookie_*=..., session_expire_at_browser_close=..., ...), as read."""

    cookie_name: str = "sessionid"
    cookie_age: int = 1_209_600
    cookie_domain: str | None = None
    cookie_path: str = "/"
    cookie_secure: bool | None = None  # None: when the request is secure
    cookie_httponly: bool = True
    cookie_samesite: str | None = "Lax"
    expire_at_browser_close: bool = False
    save_every_request: bool = False

    @classmethod
    def from_config(cls, config: Config) -> SessionOptions:
        return cls(
            cookie_name=config.session_cookie_name,
            cookie_age=config.session_cookie_age,
            cookie_domain=config.session_cookie_domain,
            cookie_path=config.session_cookie_path,
            cookie_secure=config.session_cookie_secure,
            cookie_httponly=config.session_cookie_httponly,
            cookie_samesite=config.session_cookie_samesite,
            expire_at_browser_close=config.session_expire_at_browser_close,
            save_every_request=config.session_save_every_request,
        )

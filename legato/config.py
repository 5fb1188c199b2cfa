"""Read an app's settings from its keyword arguments, with environment overrides.

There is no settings module: each `App` owns one `Config`, made from the arguments it was
given. A `LEGATO_<NAME>` environment variable, when set, overrides the argument of the same
name, so a deployment can flip `LEGATO_DEBUG=0` without editing code. Values from the
environment are parsed here and a bad one fails at start-up with the variable's name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from legato.exceptions import ImproperlyConfigured

__all__ = ["DEFAULT_ALLOWED_HOSTS", "Config"]

# Django refuses every host by default when DEBUG is off; an app that answers 400 to
# everything on first run teaches nothing, so the local names are allowed out of the box
# and production sets its own list.
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]", "testserver")


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    debug: bool = False
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    allowed_origins: tuple[str, ...] = ()
    append_slash: bool = True
    request_timeout: float | None = None
    shutdown_grace: float = 10.0
    thread_pool_size: int | None = None
    stall_threshold: float | None = None  # None: 0.1 s with debug, else 0.5 s; 0: off
    data_upload_max_memory_size: int | None = 2_621_440
    max_upload_size: int | None = 104_857_600
    data_upload_max_number_fields: int | None = 1000
    data_upload_max_number_files: int | None = 100
    data_upload_max_number_parts: int | None = 5_000
    file_upload_max_memory_size: int = 2_621_440
    file_upload_temp_dir: str | None = None
    websocket_max_message_size: int | None = 1_048_576
    # Slow and oversized requests (docs/deployment.md, "Limits and timeouts"): the head
    # limits are applied by `legato run`'s server protocol, the body ones by the app.
    max_request_head_size: int | None = 65_536
    request_head_timeout: float | None = 20.0
    request_head_min_rate: float | None = 500.0
    request_body_timeout: float | None = 20.0
    request_body_min_rate: float | None = 500.0
    # Signing (legato/signing.py): values are signed with secret_key and accepted when
    # signed with it or a fallback (Django's SECRET_KEY_FALLBACKS, for rotating keys).
    # Kept out of the repr, so that no log or debug page shows them.
    secret_key: str | None = dataclasses.field(default=None, repr=False)
    secret_key_fallbacks: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    # Django's FORCE_SCRIPT_NAME: the mount point ("/shop") when the server does not say
    # (a proxy that strips the prefix and sends no root_path / SCRIPT_NAME); None: the
    # server's root_path or SCRIPT_NAME.
    force_script_name: str | None = None
    # Proxy headers to trust, as Django's settings of the same names (docs/deployment.md,
    # "Behind nginx"): off unless a proxy sets or strips the header on every request.
    use_x_forwarded_host: bool = False
    use_x_forwarded_port: bool = False
    secure_proxy_ssl_header: tuple[str, str] | None = None
    # Templates (docs/templates.md): the directories searched, in order, each relative to
    # the working directory when the app starts unless absolute; then, with
    # template_app_dirs, the `templates` directory beside each module whose views the app
    # routes to (Django's APP_DIRS).
    templates: tuple[str, ...] = ("templates",)
    template_app_dirs: bool = True
    # Static files (docs/static-files.md): served from static_dirs in development; from
    # static_root, with the manifest `legato collectstatic` writes there, in production.
    # static_max_age is the Cache-Control max-age of names without a hash.
    static_dirs: tuple[str, ...] = ()
    static_url: str = "/static/"
    static_root: str | None = None
    static_max_age: int = 60
    # Sessions (docs/sessions.md), read by SessionMiddleware: where session data lives
    # ("signed_cookies", "db": the app's database, "redis": session_redis_url or the
    # channel layer's server) and Django's SESSION_COOKIE_* settings. Secure None: set
    # when the request is secure.
    session_store: str = "signed_cookies"
    session_redis_url: str | None = None
    session_cookie_name: str = "sessionid"
    session_cookie_age: int = 1_209_600  # two weeks, as Django
    session_cookie_domain: str | None = None
    session_cookie_path: str = "/"
    session_cookie_secure: bool | None = None
    session_cookie_httponly: bool = True
    session_cookie_samesite: str | None = "Lax"
    session_expire_at_browser_close: bool = False
    session_save_every_request: bool = False
    # Authentication (docs/auth.md): where login_required sends anonymous users, where
    # login and logout go next, the user model ("package.module.Class"; None: the default
    # legato.auth.models.User), failed logins allowed per username and per client address
    # within login_failure_window seconds before 429, and argon2's cost parameters.
    login_url: str = "/accounts/login/"
    login_redirect_url: str = "/"
    logout_redirect_url: str | None = None
    user_model: str | None = None
    login_failure_limit: int = 5
    login_failure_address_limit: int = 20
    login_failure_window: float = 900.0
    password_hash_time_cost: int = 3
    password_hash_memory_cost: int = 65_536  # KiB
    password_hash_parallelism: int = 4

    @classmethod
    def from_arguments(
        cls, arguments: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> Config:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = arguments.get(field.name, field.default)
            variable = f"LEGATO_{field.name.upper()}"
            if variable in environ:
                value = _parse(variable, environ[variable], _PARSERS[field.name])
            elif isinstance(value, Sequence) and not isinstance(value, str):
                value = tuple(value)
            values[field.name] = value
        return cls(**values)


def _parse(variable: str, text: str, parser: Callable[[str], Any]) -> Any:
    try:
        return parser(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {variable}={text!r}: {exc}") from None


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _optional(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        return None if text.lower() in ("", "none") else parser(text)

    return parse


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _pair(text: str) -> tuple[str, ...]:
    names = _names(text)
    if len(names) != 2:
        raise ValueError(
            "expected a header's META name and a value, e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    return names


_PARSERS: dict[str, Callable[[str], Any]] = {
    "debug": _bool,
    "allowed_hosts": _names,
    "allowed_origins": _names,
    "append_slash": _bool,
    "request_timeout": _optional(float),
    "shutdown_grace": float,
    "thread_pool_size": _optional(int),
    "stall_threshold": _optional(float),
    "data_upload_max_memory_size": _optional(int),
    "max_upload_size": _optional(int),
    "data_upload_max_number_fields": _optional(int),
    "data_upload_max_number_files": _optional(int),
    "data_upload_max_number_parts": _optional(int),
    "file_upload_max_memory_size": int,
    "file_upload_temp_dir": _optional(str),
    "websocket_max_message_size": _optional(int),
    "max_request_head_size": _optional(int),
    "request_head_timeout": _optional(float),
    "request_head_min_rate": _optional(float),
    "request_body_timeout": _optional(float),
    "request_body_min_rate": _optional(float),
    "secret_key": _optional(str),
    "secret_key_fallbacks": _names,
    "force_script_name": _optional(str),
    "use_x_forwarded_host": _bool,
    "use_x_forwarded_port": _bool,
    "secure_proxy_ssl_header": _optional(_pair),
    "templates": _names,
    "template_app_dirs": _bool,
    "static_dirs": _names,
    "static_url": str,
    "static_root": _optional(str),
    "static_max_age": int,
    "session_store": str,
    "session_redis_url": _optional(str),
    "session_cookie_name": str,
    "session_cookie_age": int,
    "session_cookie_domain": _optional(str),
    "session_cookie_path": str,
    "session_cookie_secure": _optional(_bool),
    "session_cookie_httponly": _bool,
    "session_cookie_samesite": _optional(str),
    "session_expire_at_browser_close": _bool,
    "session_save_every_request": _bool,
    "login_url": str,
    "login_redirect_url": str,
    "logout_redirect_url": _optional(str),
    "user_model": _optional(str),
    "login_failure_limit": int,
    "login_failure_address_limit": int,
    "login_failure_window": float,
    "password_hash_time_cost": int,
    "password_hash_memory_cost": int,
    "password_hash_parallelism": int,
}

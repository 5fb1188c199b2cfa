"""Say which headers from a reverse proxy a request trusts, with Django's three settings.

- `use_x_forwarded_host`: `get_host()` returns X-Forwarded-Host when the request has one
  (the whole value, as Django reads it), still checked against `allowed_hosts`: a
  forwarded host the app does not allow is answered 400 (`DisallowedHost`).
- `use_x_forwarded_port`: `get_port()` returns X-Forwarded-Port when present.
- `secure_proxy_ssl_header=("HTTP_X_FORWARDED_PROTO", "https")`: when the request has
  that header, the scheme is https if its first comma-separated value is the given
  one and http otherwise; without the header, the server's scheme stands.

A client can send any of these headers itself, so each setting is safe only behind a
proxy that sets or removes the header on every request. `ProxyHeaders` is built once,
when the app starts, and handed to each request; None (the default) trusts none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from legato.exceptions import ImproperlyConfigured
from legato.http.headers import header_name_from_meta

__all__ = ["ProxyHeaders"]


@dataclass(frozen=True, slots=True)
class ProxyHeaders:
    """The proxy headers an app trusts; `from_settings` returns None when it trusts none."""

    use_x_forwarded_host: bool = False
    use_x_forwarded_port: bool = False
    secure_proxy_ssl_header: tuple[str, str] | None = None
    # ("HTTP_X_FORWARDED_PROTO", b"x-forwarded-proto", "https"): the META key, the name
    # on the wire and the value that means https.
    ssl_header: tuple[str, bytes, str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        setting = self.secure_proxy_ssl_header
        if setting is not None:
            object.__setattr__(self, "ssl_header", _ssl_header(setting))

    @classmethod
    def from_settings(
        cls,
        use_x_forwarded_host: bool = False,
        use_x_forwarded_port: bool = False,
        secure_proxy_ssl_header: Sequence[str] | None = None,
    ) -> ProxyHeaders | None:
        if not (use_x_forwarded_host or use_x_forwarded_port or secure_proxy_ssl_header):
            return None
        return cls(
            use_x_forwarded_host=use_x_forwarded_host,
            use_x_forwarded_port=use_x_forwarded_port,
            secure_proxy_ssl_header=_pair(secure_proxy_ssl_header),
        )


def _pair(setting: Sequence[str] | None) -> tuple[str, str] | None:
    if not setting:
        return None
    if isinstance(setting, str) or len(setting) != 2:
        raise ImproperlyConfigured(
            f"secure_proxy_ssl_header={setting!r} must be a pair: the header's META name and "
            'the value that means https, e.g. ("HTTP_X_FORWARDED_PROTO", "https").'
        )
    return (setting[0], setting[1])


def _ssl_header(setting: tuple[str, str]) -> tuple[str, bytes, str]:
    meta_key, secure_value = setting
    name = header_name_from_meta(meta_key) if isinstance(meta_key, str) else None
    if name is None or not name.isascii() or not isinstance(secure_value, str):
        raise ImproperlyConfigured(
            f"secure_proxy_ssl_header={setting!r} must name a request header as META does "
            '(e.g. "HTTP_X_FORWARDED_PROTO") and give the value that means https as a string.'
        )
    return meta_key, name.encode("latin-1"), secure_value

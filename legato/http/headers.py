"""Read request headers by name, case-insensitively, as Django's `request.headers` does.

Read from the ASGI header list, whose names are lower-case (the spec requires it). Names
are decoded as latin-1 and looked up lower-cased with `_` read as `-`, so `headers["user_agent"]`
finds `User-Agent`. Header names that themselves contain `_` are dropped, as nginx and
gunicorn do: otherwise `X_Forwarded_For` could pass for `X-Forwarded-For` here and in
META. Repeated headers are joined with ", " (Cookie with "; ").

`HttpHeaders.from_meta` reads a CGI-style META instead (`HTTP_USER_AGENT`, plus
`CONTENT_TYPE` and `CONTENT_LENGTH`), as Django's does: for a request whose META a test
or a middleware has assigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from python_multipart.multipart import parse_options_header

__all__ = ["HttpHeaders", "find_header", "header_name_from_meta", "parse_header_parameters"]

# The two CGI variables that carry a header without the HTTP_ prefix.
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


class HttpHeaders(Mapping[str, str]):
    """A read-only, case-insensitive view of the request headers.

    Looking up one name scans the raw list (a view typically reads one or two headers,
    and a scan of a dozen pairs costs less than decoding them all); iterating builds the
    whole mapping once.
    """

    __slots__ = ("_all", "_raw")

    def __init__(self, raw_headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        self._raw = raw_headers if isinstance(raw_headers, list | tuple) else list(raw_headers)
        self._all: dict[str, str] | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> HttpHeaders:
        """The headers a CGI-style META holds; its other variables are left out."""
        headers = cls(())
        headers._all = {
            name: value
            for key, value in meta.items()
            if (name := header_name_from_meta(key)) is not None
        }
        return headers

    def __getitem__(self, key: str) -> str:
        value = self._find(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._find(key) if isinstance(key, str) else None
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def __iter__(self) -> Iterator[str]:
        # Django yields the title-cased form ("Content-Type"); str.title() gives exactly that.
        return (name.title() for name in self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    def _find(self, key: str) -> str | None:
        name = key.lower().replace("_", "-")
        if self._all is not None:
            return self._all.get(name)
        try:
            wire = name.encode("latin-1")
        except UnicodeEncodeError:
            return None  # no header can have that name
        # A name with "_" never matches: lookups turn "_" into "-", and raw names holding
        # "_" are dropped (see the module docstring).
        return find_header(self._raw, wire)

    def _mapping(self) -> dict[str, str]:
        if self._all is None:
            self._all = _decode_all(self._raw)
        return self._all


def find_header(raw_headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """Return one header (repeats joined) from an ASGI list, whose names are lower-case."""
    found = [value for raw, value in raw_headers if raw == name]
    if not found:
        return None
    return (b"; " if name == b"cookie" else b", ").join(found).decode("latin-1")


def header_name_from_meta(key: str) -> str | None:
    """`HTTP_USER_AGENT` -> `user-agent`; None for a META key that is not a header."""
    if key.startswith("HTTP_"):
        key = key[5:]
    elif key not in _UNPREFIXED:
        return None
    return key.replace("_", "-").lower() or None


def _decode_all(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    store: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        if "_" in name:
            continue
        value = raw_value.decode("latin-1")
        if name in store:
            value = store[name] + ("; " if name == "cookie" else ", ") + value
        store[name] = value
    return store


def parse_header_parameters(value: str) -> tuple[str, dict[str, str]]:
    """Split `text/html; charset="utf-8"` into `("text/html", {"charset": "utf-8"})`.

    The main value and parameter names are lower-cased; quoted values are unquoted. Never
    raises: a character outside latin-1, which no header from the wire holds (a META or
    a media type written by code may), is read as "?".
    """
    if not value.isascii():
        value = value.encode("latin-1", "replace").decode("latin-1")
    main, params = parse_options_header(value)
    return main.decode("latin-1"), {
        name.decode("latin-1"): param.decode("latin-1")
        for name, param in params.items()
        if name  # "; =x" names nothing: left out, as Django does
    }

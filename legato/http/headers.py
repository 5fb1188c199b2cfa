"""Read request headers by name, case-insensitively, as Django's `request.headers` does.

Built once per request (on first use) from the ASGI header list. Names are decoded as
latin-1 and looked up lower-cased with `_` read as `-`, so `headers["user_agent"]`
finds `User-Agent`. Header names that themselves contain `_` are dropped, as nginx and
gunicorn do: otherwise `X_Forwarded_For` could pass for `X-Forwarded-For` here and in
META. Repeated headers are joined with ", " (Cookie with "; ").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from python_multipart.multipart import parse_options_header

__all__ = ["HttpHeaders", "parse_header_parameters"]


class HttpHeaders(Mapping[str, str]):
    """A read-only, case-insensitive view of the request headers."""

    __slots__ = ("_store",)

    def __init__(self, raw_headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        store: dict[str, str] = {}
        for raw_name, raw_value in raw_headers:
            name = raw_name.decode("latin-1").lower()
            if "_" in name:
                continue
            value = raw_value.decode("latin-1")
            if name in store:
                value = store[name] + ("; " if name == "cookie" else ", ") + value
            store[name] = value
        self._store = store

    def __getitem__(self, key: str) -> str:
        return self._store[key.lower().replace("_", "-")]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower().replace("_", "-") in self._store

    def __iter__(self) -> Iterator[str]:
        # Django yields the title-cased form ("Content-Type"); str.title() gives exactly that.
        return (name.title() for name in self._store)

    def __len__(self) -> int:
        return len(self._store)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"


def parse_header_parameters(value: str) -> tuple[str, dict[str, str]]:
    """Split `text/html; charset="utf-8"` into `("text/html", {"charset": "utf-8"})`.

    The main value and parameter names are lower-cased; quoted values are unquoted.
    """
    main, params = parse_options_header(value)
    return main.decode("latin-1"), {
        name.decode("latin-1"): param.decode("latin-1") for name, param in params.items()
    }

"""Decide whether a Host header names this site, with Django's ALLOWED_HOSTS rules.

`AllowedHosts` is compiled once, when the app is built: exact names go in a set,
".example.com" patterns become suffixes, "*" allows any well-formed host. Matching is
on the domain only (lower-cased, port and one trailing dot removed); a host that is
not a syntactically valid name or bracketed IPv6 literal never matches anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from legato.exceptions import ImproperlyConfigured

__all__ = ["DEBUG_ALLOWED_HOSTS", "AllowedHosts", "split_domain_port"]

# What Django allows when DEBUG is on and ALLOWED_HOSTS is empty.
DEBUG_ALLOWED_HOSTS = (".localhost", "127.0.0.1", "[::1]")

_HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?")
_PATTERN_WITH_PORT = re.compile(r"(?:[^:]*|\[.*\]):[0-9]*")


def split_domain_port(host: str) -> tuple[str, str]:
    """Return `(domain, port)`, the domain lower-cased; `("", "")` if `host` is malformed."""
    # The ASCII check first: str.lower() maps some non-ASCII letters (the Kelvin sign)
    # onto ASCII ones, which must not sneak past the pattern.
    if not host.isascii():
        return "", ""
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return "", ""
    domain, port = match.groups(default="")
    return domain.removesuffix("."), port


class AllowedHosts:
    """The hosts this app answers for; `is_allowed` is the per-request check."""

    __slots__ = ("_accepted", "_accepted_raw", "_any", "_exact", "_patterns", "_suffixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        self._patterns = tuple(patterns)
        exact: set[str] = set()
        suffixes: list[str] = []
        for pattern in self._patterns:
            _check_pattern(pattern)
            name = pattern.lower()
            if name.startswith("."):
                suffixes.append(name)
                exact.add(name[1:])
            else:
                exact.add(name)
        self._any = "*" in exact
        self._exact = frozenset(exact)
        self._suffixes = tuple(suffixes)
        # Host header values already found allowed, verbatim, as the raw header bytes and
        # as text: the per-request check is then one lookup. Bounded, since ".example.com"
        # admits endless names.
        self._accepted: set[str] = set()
        self._accepted_raw: dict[bytes, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._patterns)!r})"

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def is_allowed(self, host: str) -> bool:
        """Say whether `host` (a Host header value, port allowed) names this site."""
        domain, _ = split_domain_port(host)
        return bool(domain) and self.allows_domain(domain)

    def recently_accepted(self, host: str) -> bool:
        return host in self._accepted

    def accepted_text(self, raw_host: bytes) -> str | None:
        """The text of a raw Host header value that passed the full check before, or None."""
        return self._accepted_raw.get(raw_host)

    def remember(self, host: str) -> None:
        """Note a Host value that passed the full check (the first 256 distinct ones)."""
        if len(self._accepted) < 256:
            self._accepted.add(host)
            self._accepted_raw[host.encode("latin-1")] = host

    def allows_domain(self, domain: str) -> bool:
        """Say whether a domain already checked by `split_domain_port` is allowed."""
        return self._any or domain in self._exact or domain.endswith(self._suffixes)


def _check_pattern(pattern: str) -> None:
    if not isinstance(pattern, str) or not pattern:
        raise ImproperlyConfigured(
            f"allowed_hosts entries must be non-empty strings, got {pattern!r}."
        )
    if _PATTERN_WITH_PORT.fullmatch(pattern):
        raise ImproperlyConfigured(
            f"allowed_hosts entry {pattern!r} has a port; hosts are matched without their "
            "port, so list the name alone."
        )

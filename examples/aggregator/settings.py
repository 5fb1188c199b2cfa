"""Read the aggregator's configuration: upstream URLs, their deadline and the cache's TTL.

Values come from `make_app()`'s arguments; an `AGGREGATOR_<NAME>` environment variable,
when set, overrides the argument of the same name, as `LEGATO_<NAME>` does for `App`.
Everything is read once, at start-up; a bad value fails start-up with the variable's name.

An upstream URL may be relative ("upstream/weather/"): it is resolved here, once, against
the configured `base_url` (`AGGREGATOR_BASE_URL`), so every upstream is an absolute URL
before the first request. Never against a request's URL: its host and port come from the
client's Host header, and an app that calls whatever host a client names is a proxy into
its own network (server-side request forgery).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Mapping
from urllib.parse import urljoin, urlsplit

from legato.exceptions import ImproperlyConfigured

__all__ = [
    "DEFAULT_BASE_URL",
    "DEMO_UPSTREAMS",
    "Settings",
    "Upstream",
    "format_upstreams",
    "parse_upstreams",
]

# Where `legato run` serves an app when given no --host and --port: the example calls the
# upstreams it simulates itself there. Serve it elsewhere, set AGGREGATOR_BASE_URL.
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"

# The demo's upstreams are simulated by the app itself (see simulated.py), relative to
# where the aggregator's routes are mounted (the base URL): "<base>upstream/<name>/".
DEMO_UPSTREAMS = {
    "weather": "upstream/weather/?delay=0.3",
    "news": "upstream/news/?delay=0.3",
    "traffic": "upstream/traffic/?delay=0.3",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Upstream:
    """One upstream API: its name in the answer, its URL, and how long to wait for it."""

    name: str
    url: str
    timeout: float = 1.0
    is_relative: bool = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name or not self.name.isidentifier():
            raise ImproperlyConfigured(
                f"Upstream name {self.name!r} is not a plain identifier; use names like "
                "'weather' or 'news_feed'."
            )
        # Set once here: the aggregator asks on every request.
        object.__setattr__(self, "is_relative", _is_relative(self.name, self.url))
        _check_positive(f"Upstream {self.name!r} timeout", self.timeout)

    def resolved(self, base_url: str) -> Upstream:
        """This upstream with a relative URL resolved against `base_url` (absolute, checked)."""
        if not self.is_relative:
            return self
        return dataclasses.replace(self, url=urljoin(base_url, self.url))


def _is_relative(name: str, url: str) -> bool:
    """Check `url`: True for a relative URL, False for an absolute http(s) one."""
    problem = f"Upstream {name!r} has the URL {url!r}"
    fix = "give an http(s) URL with a host, or a relative one such as 'upstream/weather/'."
    if not url or any(character.isspace() for character in url) or url.startswith("//"):
        raise ImproperlyConfigured(f"{problem}; {fix}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ImproperlyConfigured(f"{problem} ({exc}); {fix}") from None
    if not parts.scheme and not parts.netloc:
        return True
    if parts.scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"{problem}; only http and https upstreams are supported.")
    if not parts.hostname:
        raise ImproperlyConfigured(f"{problem}; {fix}")
    return False


def parse_upstreams(text: str, timeout: float = 1.0) -> tuple[Upstream, ...]:
    """Parse "name=URL name=URL ..." (entries separated by whitespace) into upstreams."""
    upstreams = []
    for entry in text.split():
        name, equals, url = entry.partition("=")
        if not equals:
            raise ImproperlyConfigured(
                f"Upstream entry {entry!r} is not name=URL; write entries like "
                "'weather=http://127.0.0.1:8001/weather/', separated by spaces."
            )
        upstreams.append(Upstream(name, url, timeout))
    return _unique(upstreams)


def format_upstreams(upstreams: Iterable[Upstream]) -> str:
    """The inverse of `parse_upstreams` (per-upstream timeouts are not part of the text)."""
    return " ".join(f"{upstream.name}={upstream.url}" for upstream in upstreams)


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """The configuration in force: every upstream URL here is absolute."""

    upstreams: tuple[Upstream, ...]
    timeout: float
    cache_ttl: float
    base_url: str

    @classmethod
    def from_arguments(
        cls,
        upstreams: Mapping[str, str] | Iterable[Upstream] | None,
        *,
        timeout: float,
        cache_ttl: float,
        base_url: str = DEFAULT_BASE_URL,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        environ = os.environ if environ is None else environ
        timeout = _number_from(environ, "AGGREGATOR_TIMEOUT", timeout)
        cache_ttl = _number_from(environ, "AGGREGATOR_CACHE_TTL", cache_ttl, zero_ok=True)
        base_url = _base_url(environ.get("AGGREGATOR_BASE_URL", base_url))
        if "AGGREGATOR_UPSTREAMS" in environ:
            chosen = parse_upstreams(environ["AGGREGATOR_UPSTREAMS"], timeout)
        else:
            chosen = _upstreams_from(DEMO_UPSTREAMS if upstreams is None else upstreams, timeout)
        resolved = tuple(upstream.resolved(base_url) for upstream in chosen)
        return cls(resolved, timeout, cache_ttl, base_url)


def _base_url(url: str) -> str:
    """Check the base URL and end its path with "/", so relative URLs extend it."""
    problem = f"The base URL {url!r} (base_url, or AGGREGATOR_BASE_URL) is not usable"
    fix = "give the http(s) URL the aggregator is served at, such as 'http://127.0.0.1:8000/'."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ImproperlyConfigured(f"{problem} ({exc}); {fix}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"{problem}; {fix}")
    if parts.query or parts.fragment or any(character.isspace() for character in url):
        raise ImproperlyConfigured(f"{problem}: it has a query, a fragment or a space; {fix}")
    # "http://host/aggregator" would resolve "upstream/x/" to "http://host/upstream/x/".
    return url if parts.path.endswith("/") else url + "/"


def _upstreams_from(
    given: Mapping[str, str] | Iterable[Upstream], timeout: float
) -> tuple[Upstream, ...]:
    if isinstance(given, Mapping):
        return _unique(Upstream(name, url, timeout) for name, url in given.items())
    return _unique(given)


def _unique(upstreams: Iterable[Upstream]) -> tuple[Upstream, ...]:
    chosen = tuple(upstreams)
    names = [upstream.name for upstream in chosen]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImproperlyConfigured(f"Upstream names must be unique; repeated: {repeated}.")
    return chosen


def _number_from(
    environ: Mapping[str, str], variable: str, default: float, *, zero_ok: bool = False
) -> float:
    if variable not in environ:
        value = default
    else:
        try:
            value = float(environ[variable])
        except ValueError:
            raise ImproperlyConfigured(
                f"Environment variable {variable}={environ[variable]!r} is not a number of seconds."
            ) from None
    _check_positive(variable, value, zero_ok=zero_ok)
    return value


def _check_positive(what: str, value: float, *, zero_ok: bool = False) -> None:
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        bound = "zero or more" if zero_ok else "more than zero"
        raise ImproperlyConfigured(
            f"{what} is {value!r}; give a finite number of seconds, {bound}."
        )

"""Decide whether a URL from a request is safe to send a browser to.

Two guards, for the two ways a redirect target comes from request data:

- `escape_leading_slashes` for a path Legato redirects to itself (APPEND_SLASH): a path
  that starts with `//` would be read by a browser as another host (`//evil.example/`);
  escaping the second slash keeps it a path on this site (CVE-2018-14574 in Django).
- `url_has_allowed_host_and_scheme` for a URL a client hands in (`?next=...`): Django's
  function of the same name and semantics. It answers True only for a relative URL or
  one on an allowed host, over http(s), and it reads the URL the way browsers do where
  they differ from `urllib`: a backslash may be a slash, three slashes or a scheme
  without slashes still name a host, and control characters are dropped.

Hosts are compared as written (ASCII letters case-insensitively), never normalised: two
spellings of an internationalised name match only if both are listed, so no Unicode
trick can make a foreign host pass for an allowed one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["MAX_URL_LENGTH", "escape_leading_slashes", "url_has_allowed_host_and_scheme"]


def escape_leading_slashes(url: str) -> str:
    """Return `url` with a leading `//` made `/%2F`, so that it stays a path on this site."""
    if url.startswith("//"):
        return "/%2F" + url[2:]
    return url


# Longer URLs are refused unread, as Django refuses them: parsing and normalising
# arbitrarily long client-given text is work an attacker chooses the size of.
MAX_URL_LENGTH = 2048


def url_has_allowed_host_and_scheme(
    url: str | None,
    allowed_hosts: str | Iterable[str] | None,
    require_https: bool = False,
) -> bool:
    """Return True if `url` is safe to redirect to: relative, or on one of `allowed_hosts`.

    A URL with a scheme must use http or https (only https with `require_https`). Empty
    or None is not safe. `allowed_hosts` holds host names as they appear in URLs, with
    the port if one is used (`"example.com"`, `"example.com:8443"`).
    """
    if url is None:
        return False
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        return False
    hosts = _host_set(allowed_hosts)
    # Browsers read "\" as "/" in http(s) URLs, but it may also be part of a user name:
    # the URL is safe only if both readings are.
    return _is_safe(url, hosts, require_https) and _is_safe(
        url.replace("\\", "/"), hosts, require_https
    )


def _host_set(allowed_hosts: str | Iterable[str] | None) -> frozenset[str]:
    if allowed_hosts is None:
        return frozenset()
    if isinstance(allowed_hosts, str):
        allowed_hosts = (allowed_hosts,)
    return frozenset(_comparable(host) for host in allowed_hosts)


def _comparable(host: str) -> str:
    # DNS names are case-insensitive in ASCII; anything else is compared exactly, since
    # Unicode case rules and browsers' IDNA mapping do not agree.
    return host.lower() if host.isascii() else host


def _is_safe(url: str, hosts: frozenset[str], require_https: bool) -> bool:
    # Browsers take "///host" as "//host", which urlsplit reads as a path.
    if url.startswith("///"):
        return False
    # Browsers skip control characters (Chrome: at the start, and tabs and newlines
    # anywhere), so "\x08//evil.example" goes to evil.example; none belongs in a URL.
    if unicodedata.category(url[0])[0] == "C" or any(_is_control(char) for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    # "http:evil.example" and "https:/evil.example" have no host for urlsplit, but
    # browsers find one there.
    if parts.scheme and not parts.netloc:
        return False
    scheme = parts.scheme or ("http" if parts.netloc else "")
    if scheme and scheme not in (("https",) if require_https else ("http", "https")):
        return False
    return not parts.netloc or _comparable(parts.netloc) in hosts


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"

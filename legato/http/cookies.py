"""Parse the request's Cookie header into a dict, tolerantly, as browsers send it.

Never raises: pairs are split on ";" then on the first "=", and a pair without "=" is
read as a value with an empty name (what browsers do). Later duplicates win, as in
Django. Quoted values are unquoted with the backslash and octal escapes that
`http.cookies` writes. Setting cookies belongs to the response side.
"""

from __future__ import annotations

import re

__all__ = ["parse_cookie"]

# \ooo octal escapes (what SimpleCookie writes for non-ASCII) or \x for any other char.
_ESCAPE = re.compile(r"\\(?:([0-3][0-7]{2})|(.))", re.DOTALL)


def parse_cookie(header: str) -> dict[str, str]:
    """Return the cookies in a `Cookie:` header value, skipping empty pairs."""
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            name, value = "", name
        name, value = name.strip(), value.strip()
        if name or value:
            cookies[name] = _unquote(value)
    return cookies


def _unquote(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE.sub(_unescape, inner)


def _unescape(match: re.Match[str]) -> str:
    octal, char = match.groups()
    return chr(int(octal, 8)) if octal else char

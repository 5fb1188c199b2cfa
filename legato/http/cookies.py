"""Read cookies from a request's Cookie header; write them as a response's Set-Cookie.

Reading never raises: pairs are split on ";" then on the first "=", and a pair without
"=" is read as a value with an empty name (what browsers do). Later duplicates win, as
in Django. Quoted values are unquoted with the backslash and octal escapes that
`http.cookies` writes.

Writing is strict: a cookie is checked when it is set (`set_cookie`), so a value or an
attribute that would add attributes or headers fails there (BadHeaderError), not when
the response is sent. Cookies are kept in a `SimpleCookie` (Django's `response.cookies`)
and turned into Set-Cookie lines by `set_cookie_line`.
"""

from __future__ import annotations

import datetime
import re
import time
from email.utils import formatdate
from http.cookies import Morsel, SimpleCookie
from typing import TypedDict

from legato.http.response_headers import CONTROL_TEXT, BadHeaderError

__all__ = ["CookieOptions", "delete_cookie", "parse_cookie", "set_cookie", "set_cookie_line"]

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


# ---------------------------------------------------------------- Set-Cookie


class CookieOptions(TypedDict, total=False):
    """The keyword arguments of `set_cookie` after the value, for methods that pass them on."""

    max_age: int | float | datetime.timedelta | None
    expires: str | datetime.datetime | None
    path: str | None
    domain: str | None
    secure: bool
    httponly: bool
    samesite: str | None


def set_cookie(
    jar: SimpleCookie,
    key: str,
    value: str = "",
    max_age: int | float | datetime.timedelta | None = None,
    expires: str | datetime.datetime | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
) -> None:
    """Put cookie `key` in `jar`; `expires` may be a datetime (naive means UTC) or a string.

    Arguments and meaning are Django's `HttpResponse.set_cookie`. Nothing is added to
    `jar` when an argument is refused.
    """
    expires_text, max_age_seconds = _lifetime(key, max_age, expires)
    attributes: dict[str, object] = {"expires": expires_text}
    if max_age_seconds is not None:
        attributes["max-age"] = max_age_seconds
    if path is not None:
        attributes["path"] = _attribute(key, "path", path)
    if domain is not None:
        attributes["domain"] = _attribute(key, "domain", domain)
    if secure:
        attributes["secure"] = True
    if httponly:
        attributes["httponly"] = True
    if samesite:
        attributes["samesite"] = _samesite(samesite)
    jar[key] = value
    morsel = jar[key]
    for attribute, attribute_value in attributes.items():
        morsel[attribute] = attribute_value
    try:
        set_cookie_line(key, morsel)  # fail here, not when the response is sent
    except BadHeaderError:
        del jar[key]
        raise


def delete_cookie(
    jar: SimpleCookie,
    key: str,
    path: str = "/",
    domain: str | None = None,
    samesite: str | None = None,
) -> None:
    """Put in `jar` a cookie that makes browsers drop `key`: empty, expired."""
    # Browsers ignore a cookie without Secure if its name has one of these prefixes
    # or if it says SameSite=None, so the deletion would not take.
    secure = key.startswith(("__Secure-", "__Host-")) or bool(
        samesite and samesite.lower() == "none"
    )
    set_cookie(
        jar,
        key,
        max_age=0,
        path=path,
        domain=domain,
        secure=secure,
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        samesite=samesite,
    )


def set_cookie_line(key: str, morsel: Morsel[str]) -> str:
    """Return the Set-Cookie value for one cookie, refusing what can't be sent."""
    line = morsel.OutputString()
    if not line.isprintable() and CONTROL_TEXT.search(line):
        raise BadHeaderError(
            f"Cookie {key!r} would be sent with control characters ({line!r}); "
            "set cookies with set_cookie(), which checks every attribute."
        )
    if not line.isascii():
        raise BadHeaderError(
            f"Cookie {key!r} holds characters that can't be sent ({line!r}): "
            "encode its value first (e.g. urllib.parse.quote)."
        )
    return line


def _attribute(key: str, attribute: str, value: object) -> str:
    text = str(value)
    if ";" in text or CONTROL_TEXT.search(text):
        raise BadHeaderError(
            f"The {attribute} of cookie {key!r} can't contain ';' or control characters "
            f"(got {text!r}): they would add attributes or headers. Remove them."
        )
    return text


def _lifetime(
    key: str, max_age: int | float | datetime.timedelta | None, expires: object
) -> tuple[str, int | None]:
    """Return (Expires, Max-Age) as Django derives them from either argument."""
    if isinstance(expires, datetime.datetime):
        if max_age is not None:
            raise ValueError("'expires' and 'max_age' can't be used together.")
        if expires.utcoffset() is None:
            expires = expires.replace(tzinfo=datetime.UTC)
        # One second more, as Django: whole seconds would otherwise expire it early.
        delta = expires - datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=1)
        max_age, expires = max(0, delta.days * 86400 + delta.seconds), None
    expires_text = "" if expires is None else _attribute(key, "expires", expires)
    if max_age is None:
        return expires_text, None
    if isinstance(max_age, datetime.timedelta):
        max_age = max_age.total_seconds()
    seconds = int(max_age)
    return expires_text or formatdate(time.time() + seconds, usegmt=True), seconds


def _samesite(value: str) -> str:
    if value.lower() not in ("lax", "none", "strict"):
        raise ValueError(f'samesite must be "lax", "none", or "strict". Got {value!r}.')
    return value

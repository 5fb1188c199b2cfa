"""Decide which client-named charsets request data is decoded with.

A request names its charset (`Content-Type: ...; charset=...`, also per multipart part),
and Legato decodes the query string and multipart fields with it, replacing undecodable
bytes with U+FFFD. A urlencoded form is UTF-8 whatever it says (`is_utf8`; the request
answers 400 to another charset, as Django 5.2 does). Python's codec registry also holds codecs that
are not character sets at all (base64, zlib, rot13) and text codecs that cannot decode
with replacement (idna, punycode, undefined raise whatever the bytes), so "Python knows
the name" is not enough: a charset is used only if it resolves to one of the standard
library's text codecs that are known to decode any bytes with `errors="replace"`.

- Not a codec Python knows: ignored, the data is read as UTF-8 (Django does the same).
- A codec Python knows that is not usable for text: the request is answered 400, since
  guessing would decode the data as something the client did not send.
"""

from __future__ import annotations

import codecs
import encodings
import functools
import pkgutil

from legato.exceptions import BadRequest

__all__ = [
    "UnsupportedCharset",
    "charset_for_decoding",
    "check_charset",
    "decodable_codecs",
    "is_utf8",
]

# Standard-library codecs that call themselves text codecs but fail on some input even
# with errors="replace" (idna, punycode, undefined), or read backslash escapes and warn on
# unknown ones (the *_escape codecs): none is a charset an HTTP client means.
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})


class UnsupportedCharset(BadRequest):
    """The request names a codec that cannot decode its text (answered with 400)."""


@functools.cache
def decodable_codecs() -> frozenset[str]:
    """The canonical names of the codecs request data may be decoded with."""
    names: set[str] = set()
    for module in pkgutil.iter_modules(encodings.__path__):
        try:
            info = codecs.lookup(module.name)
        except LookupError:
            continue  # a helper module of the package (aliases), or mbcs off Windows
        # `_is_text_encoding` is how the codec registry marks bytes-to-bytes codecs.
        if getattr(info, "_is_text_encoding", True) and info.name not in _NOT_CHARSETS:
            names.add(info.name)
    return frozenset(names)


# Bounded: the names come from clients, and each distinct one would otherwise stay cached.
@functools.lru_cache(maxsize=128)
def charset_for_decoding(charset: str) -> str | None:
    """Return `charset` if request data may be decoded with it, None if it is unknown.

    Raise `UnsupportedCharset` for a codec Python knows that does not decode text.
    """
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    if info.name not in decodable_codecs():
        raise UnsupportedCharset(
            f"The request's charset {charset[:40]!r} cannot decode text; send the data as "
            "UTF-8 (or another character set such as latin-1)."
        )
    return charset


def check_charset(charset: str) -> None:
    """Refuse, with LookupError, a charset set by code that request data cannot use."""
    try:
        usable = charset_for_decoding(charset) is not None
    except UnsupportedCharset:
        usable = False
    if not usable:
        raise LookupError(
            f"{charset!r} is not a charset request data can be decoded with; use a character "
            "set such as 'utf-8' or 'latin-1'."
        )


def is_utf8(charset: str) -> bool:
    """Say whether `charset` names UTF-8 ("utf-8", "UTF8", "utf_8", ...)."""
    try:
        return codecs.lookup(charset).name == "utf-8"
    except (LookupError, ValueError):
        return False

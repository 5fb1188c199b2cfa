"""Hold a response's headers: checked when set, kept in wire form, put in a map when used.

Invariants:
- A header name is an RFC 7230 token and a header value holds no control character
  but tab: both are checked when assigned (BadHeaderError), never when sent.
- Every header keeps its wire form (lower-case name, latin-1 value) next to its text,
  so `wire_items()` is one list copy.
- `ResponseHeaders.for_body(content_type, length)` with a content type the framework
  sets itself holds Content-Type, Content-Length and the `DefaultHeaders` given to
  `setdefaults` as they are, and builds its map the first time another header is set
  or the headers are listed as text. Most responses never are: docs/decisions.md, "The
  common response is built without a header map".
- `DefaultHeaders` are checked and encoded once, when the middleware that uses them is
  built; adding them to a response costs a dict operation per header at most.

Request headers are another concept (a read-only view of the ASGI list): http/headers.py.
"""

from __future__ import annotations

import re
import sys
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping
from email.header import Header
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from legato.http.response_base import HttpResponseBase

__all__ = [
    "CONTROL_TEXT",
    "FRAMED_CONTENT_TYPES",
    "BadHeaderError",
    "DefaultHeaders",
    "HeaderSource",
    "ResponseHeaders",
]

HeaderSource = Mapping[str, object] | Iterable[tuple[str, object]]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Everything below 0x20 but tab, and DEL: CR and LF split headers, NUL truncates them
# in C parsers, the rest is refused by strict proxies.
CONTROL_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")

# The content types the framework sets itself (None stands for the default, HTML in
# UTF-8): headers made by `for_body` with one of them wait to be built.
FRAMED_CONTENT_TYPES = (
    "text/html; charset=utf-8",
    "text/plain; charset=utf-8",
    "application/json",
    "text/event-stream",
    "application/octet-stream",
)
# content type -> (its map entry, its wire pair)
_Framing = tuple[tuple[str, str], tuple[bytes, bytes]]
_FRAMINGS: dict[str | None, _Framing] = {
    value: (("Content-Type", value), (b"content-type", value.encode("ascii")))
    for value in FRAMED_CONTENT_TYPES
}
_FRAMINGS[None] = _FRAMINGS["text/html; charset=utf-8"]
_FRAMING_NAMES = frozenset({"content-type", "content-length"})

_new = object.__new__


class BadHeaderError(ValueError):
    """A header name or value would corrupt the response (e.g. CR/LF injection)."""


# ---------------------------------------------------------------- checks

# Header names already found valid -> (lower-case name, its wire bytes). A memo of a pure
# function, bounded, so that middleware setting the same few headers on every response
# pays for the token check once per name, not per response.
_VALID_NAMES: dict[str, tuple[str, bytes]] = {}
_VALID_NAMES_LIMIT = 1024


def _valid_name(name: str) -> tuple[str, bytes]:
    lower = name.lower()
    known = (lower, lower.encode("ascii"))
    if len(_VALID_NAMES) < _VALID_NAMES_LIMIT:
        _VALID_NAMES[name] = known
    return known


def _header_name(name: object) -> str:
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    if not isinstance(name, str):
        raise TypeError(f"Header names must be str, not {type(name).__name__} ({name!r}).")
    if _TOKEN.fullmatch(name) is None:
        raise BadHeaderError(
            f"Header name {name!r} is not an HTTP token: use only letters, digits "
            "and !#$%&'*+-.^_`|~ (no spaces, colons or control characters)."
        )
    return name


def _injection(name: str, value: object) -> BadHeaderError:
    return BadHeaderError(
        f"Header values can't contain newlines or control characters (got {value!r} "
        f"for header {name!r}); remove them before setting the header."
    )


def _header_value(name: str, value: object) -> tuple[str, bytes]:
    """Return the text and the latin-1 wire bytes of one header value."""
    if type(value) is str and value.isprintable() and value.isascii():
        return value, value.encode("ascii")  # the common case: nothing to check or encode
    if isinstance(value, bytes):
        if _CONTROL_BYTES.search(value):
            raise _injection(name, value)
        return value.decode("latin-1"), value
    if isinstance(value, int):  # ints are Content-Length, Max-Forwards...: nothing to check
        text = str(value)
        return text, text.encode("ascii")
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable() and CONTROL_TEXT.search(text):
        raise _injection(name, value)
    try:
        return text, text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    # What Django does with non-latin-1 text: an RFC 2047 encoded word.
    encoded = Header(text, "utf-8", maxlinelen=sys.maxsize).encode()
    if CONTROL_TEXT.search(encoded):  # folding would reintroduce line breaks
        raise _injection(name, value)
    return encoded, encoded.encode("ascii")


# ---------------------------------------------------------------- the map


class _HeaderItems(ItemsView[str, str]):
    _mapping: ResponseHeaders

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._mapping._entries().values()))


class ResponseHeaders(MutableMapping[str, str]):
    """The headers of one response: case-insensitive, keeping the case first given.

    Values may be str (latin-1, else RFC 2047 encoded), bytes (latin-1) or int; other
    objects are converted with str(), as Django does.
    """

    # Built: _framing is None, and _store (lower name -> (name, text)) and _raw (lower
    # name -> wire pair) hold every header. Not built yet (see for_body): _framing is the
    # Content-Type, _length the Content-Length (None: none), _defaults what setdefaults
    # noted, and _store and _raw are unset.
    __slots__ = ("_defaults", "_framing", "_length", "_raw", "_store")

    _framing: _Framing | None
    _length: int | None
    _defaults: tuple[DefaultHeaders, ...]
    _store: dict[str, tuple[str, str]]
    _raw: dict[str, tuple[bytes, bytes]]

    def __init__(self, data: HeaderSource | None = None) -> None:
        self._framing = None
        self._store = {}
        self._raw = {}
        if data:
            for name, value in data.items() if isinstance(data, Mapping) else data:
                self[name] = value

    @classmethod
    def for_body(
        cls, content_type: str | None = None, length: int | None = None
    ) -> ResponseHeaders:
        """Content-Type (None: HTML in UTF-8) and, unless None, Content-Length.

        With a type in FRAMED_CONTENT_TYPES nothing is checked, encoded or put in a map
        until a header other than Content-Length is changed, or the headers are listed
        as text: reading one header, `setdefaults` and `wire_items()` work on the two
        (and the defaults) as they are.
        """
        framing = _FRAMINGS.get(content_type)
        if framing is None:
            headers = cls({"Content-Type": content_type})
            if length is not None:
                headers["Content-Length"] = length
            return headers
        headers = _new(cls)
        headers._framing = framing
        headers._length = length
        headers._defaults = ()
        return headers

    def _entries(self) -> dict[str, tuple[str, str]]:
        if self._framing is not None:
            self._build()
        return self._store

    def _build(self) -> None:
        framing = self._framing
        assert framing is not None  # called only before the map exists
        self._framing = None
        self._store = {"content-type": framing[0]}
        self._raw = {"content-type": framing[1]}
        if self._length is not None:
            text = str(self._length)
            self._store["content-length"] = ("Content-Length", text)
            self._raw["content-length"] = (b"content-length", text.encode("ascii"))
        for kept in self._defaults:
            self._add_missing(kept)

    def _find(self, lower: str) -> tuple[str, str] | None:
        """The (name, text) of one header, read without building the map."""
        framing = self._framing
        if framing is None:
            return self._store.get(lower)
        if lower == "content-type":
            return framing[0]
        if lower == "content-length":
            return None if self._length is None else ("Content-Length", str(self._length))
        for kept in self._defaults:
            for kept_lower, kept_entry, _ in kept.entries:
                if kept_lower == lower:
                    return kept_entry
        return None

    def __getitem__(self, name: str) -> str:
        entry = self._find(name.lower())
        if entry is None:
            raise KeyError(name)
        return entry[1]

    def __setitem__(self, name: str, value: object) -> None:
        if self._framing is not None:
            # What HttpResponse does when its body changes; a length set for the first
            # time after defaults were noted goes after them, so that builds the map.
            if (
                name == "Content-Length"
                and type(value) is int
                and (self._length is not None or not self._defaults)
            ):
                self._length = value
                return
            self._build()
        known = _VALID_NAMES.get(name)
        if known is None:
            name = _header_name(name)
            known = _valid_name(name)
        self._set(name, known, value)

    def _set(self, name: str, known: tuple[str, bytes], value: object) -> str:
        lower, raw_name = known
        entry = self._store.get(lower)
        text, raw = _header_value(name, value)
        self._store[lower] = (name if entry is None else entry[0], text)
        self._raw[lower] = (raw_name, raw)
        return text

    def __delitem__(self, name: str) -> None:
        # Deleting a header that is not there does nothing, as in Django: middleware
        # removes headers without checking for them first.
        lower = name.lower()
        if self._find(lower) is not None:
            del self._entries()[lower]
            del self._raw[lower]

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in self._entries().values()])

    def __len__(self) -> int:
        return len(self._entries())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._find(name.lower()) is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._entries().values())!r})"

    def get(self, name: str, default: Any = None) -> Any:
        entry = self._find(name.lower()) if isinstance(name, str) else None
        return default if entry is None else entry[1]

    def setdefault(self, name: str, default: object = "") -> str:
        store = self._entries()
        known = _VALID_NAMES.get(name)
        if known is None:
            if name in self:
                return self[name]
            name = _header_name(name)
            known = _valid_name(name)
        else:
            entry = store.get(known[0])
            if entry is not None:
                return entry[1]
        return self._set(name, known, default)

    def items(self) -> ItemsView[str, str]:
        return _HeaderItems(self)

    def setdefaults(self, defaults: DefaultHeaders) -> None:
        """Set each of `defaults` that these headers lack, as `setdefault` would.

        On headers not built yet the defaults are only noted, while they name neither
        the framing headers nor a header noted already: `wire_items()` sends them as
        they are, and building the map adds them.
        """
        if self._framing is not None:
            if not defaults.touches_framing:
                names = defaults.names
                for other in self._defaults:
                    if not names.isdisjoint(other.names):
                        break
                else:
                    self._defaults = (*self._defaults, defaults)
                    return
            self._build()
        self._add_missing(defaults)

    def _add_missing(self, defaults: DefaultHeaders) -> None:
        store, raw = self._store, self._raw
        for lower, entry, pair in defaults.entries:
            if lower not in store:
                store[lower] = entry
                raw[lower] = pair

    def wire_items(self) -> list[tuple[bytes, bytes]]:
        """Every header as (lower-case name, value) latin-1 bytes, in a new list."""
        framing = self._framing
        if framing is None:
            return list(self._raw.values())
        length = self._length
        if length is None:
            pairs = [framing[1]]
        else:
            pairs = [framing[1], (b"content-length", b"%d" % length)]
        if self._defaults:
            for kept in self._defaults:
                pairs.extend(kept.wire_pairs)
        return pairs


class DefaultHeaders:
    """Headers to give every response that lacks them, checked and encoded once.

    For middleware: made once, when the middleware is built, then given to each
    response with `response.headers.setdefaults(defaults)` (or `defaults.apply(response)`),
    which does what `setdefault` would for each header without checking and encoding
    the same names and values on every response. Read-only once made.
    """

    __slots__ = ("entries", "names", "touches_framing", "wire_pairs")

    entries: tuple[tuple[str, tuple[str, str], tuple[bytes, bytes]], ...]
    """(lower-case name, (name, text), wire pair) for each header, in the order given."""
    names: frozenset[str]
    """The lower-case names."""
    touches_framing: bool
    """Whether they name Content-Type or Content-Length."""
    wire_pairs: tuple[tuple[bytes, bytes], ...]

    def __init__(self, headers: HeaderSource) -> None:
        checked = ResponseHeaders(headers)  # the same checks as any header assignment
        self.entries = tuple(
            (name.lower(), (name, text), pair)
            for (name, text), pair in zip(checked.items(), checked.wire_items(), strict=True)
        )
        self.wire_pairs = tuple(pair for _, _, pair in self.entries)
        self.names = frozenset(lower for lower, _, _ in self.entries)
        self.touches_framing = not self.names.isdisjoint(_FRAMING_NAMES)

    def apply(self, response: HttpResponseBase) -> None:
        """Set each header that `response` (any HttpResponseBase) does not have yet."""
        response.headers.setdefaults(self)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(entry for _, entry, _ in self.entries)!r})"

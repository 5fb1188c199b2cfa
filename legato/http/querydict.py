"""Hold form and query-string data where one key may carry several values.

`MultiValueDict` stores a list per key and answers `d[key]` with the last value, as
Django's does; it subclasses `dict` so `dict(d)`, `isinstance(d, dict)` and JSON
encoders see the lists, exactly as Django users expect. `QueryDict` adds parsing
(through `urllib.parse`, never raising on malformed input), `urlencode()` and
immutability: `request.GET` and `request.POST` are read-only, `copy()` is not. Keys and
values given to a QueryDict as bytes are decoded with its encoding (undecodable bytes
become U+FFFD), as in Django.
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, urlencode

from legato.exceptions import TooManyFieldsSent
from legato.http.charsets import check_charset

__all__ = ["MultiValueDict", "MultiValueDictKeyError", "QueryDict"]

V = TypeVar("V")
_MISSING: Any = object()


class MultiValueDictKeyError(KeyError):
    """A key asked for with `d[key]` is not in the MultiValueDict."""


class MultiValueDict(dict[str, V]):
    """A dict of lists that reads like a dict of single values.

    The type parameter is the value type users see; storage is `list[V]` per key,
    reached only through `dict`'s own methods (`_list`, `_lists`).
    """

    def __init__(
        self, key_to_list_mapping: Mapping[str, list[V]] | Iterable[tuple[str, list[V]]] = ()
    ) -> None:
        super().__init__(cast("Mapping[str, V]", key_to_list_mapping))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {dict.__repr__(self)}>"

    def __getitem__(self, key: str) -> V:
        try:
            values = self._list(key)
        except KeyError:
            raise MultiValueDictKeyError(key) from None
        # Django answers an emptied key with the empty list itself; kept for fidelity.
        return values[-1] if values else cast("V", [])

    def __setitem__(self, key: str, value: V) -> None:
        _store(self, key, [value])

    def __copy__(self) -> MultiValueDict[V]:
        return type(self)([(key, values[:]) for key, values in self.lists()])

    def __deepcopy__(self, memo: dict[int, Any]) -> MultiValueDict[V]:
        result = type(self)()
        memo[id(self)] = result
        for key, values in self.lists():
            _store(result, key, copy_module.deepcopy(values, memo))
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        # dict's default pickling replays items() (last values only) through __setitem__.
        return (type(self), (list(self.lists()),), self.__dict__ or None)

    def _list(self, key: str) -> list[V]:
        return cast("list[V]", dict.__getitem__(self, key))

    def _lists(self) -> Iterable[tuple[str, list[V]]]:
        return cast("Iterable[tuple[str, list[V]]]", dict.items(self))

    def get(self, key: str, default: Any = None) -> Any:
        values = cast("list[V] | None", dict.get(self, key))
        return values[-1] if values else default

    def getlist(self, key: str, default: list[V] | None = None) -> list[V]:
        """Return a copy of the values for `key` (Django: `default` or `[]` if missing)."""
        values = cast("list[V] | None", dict.get(self, key))
        if values is None:
            return [] if default is None else default
        return list(values)

    def setlist(self, key: str, list_: Iterable[V]) -> None:
        _store(self, key, list(list_))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def setlistdefault(self, key: str, default_list: list[V] | None = None) -> list[V]:
        if key not in self:
            self.setlist(key, default_list or [])
        return self._list(key)

    def appendlist(self, key: str, value: V) -> None:
        self.setlistdefault(key).append(value)

    def items(self) -> Iterator[tuple[str, V]]:  # type: ignore[override]
        """Yield `(key, last value)` pairs, as Django does."""
        for key in self:
            yield key, self[key]

    def lists(self) -> Iterator[tuple[str, list[V]]]:
        yield from self._lists()

    def values(self) -> Iterator[V]:  # type: ignore[override]
        for key in self:
            yield self[key]

    def copy(self) -> MultiValueDict[V]:
        return copy_module.copy(self)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Append the given values to the existing lists rather than replacing them."""
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        for source in (*args, kwargs):
            for key, value in _pairs_of(source):
                self.setlistdefault(key).extend(value)

    def dict(self) -> dict[str, V]:
        """Return a plain dict of the last value for each key."""
        return {key: self[key] for key in self}

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        """Remove `key` and return its whole list, as Django does."""
        if default is _MISSING:
            return dict.pop(self, key)
        return dict.pop(self, key, default)


def _store(target: dict[str, Any], key: str, values: list[Any]) -> None:
    # Bypasses the overridden __setitem__, which would wrap the list in another list.
    dict.__setitem__(target, key, values)


def _pairs_of(source: Any) -> Iterator[tuple[str, list[Any]]]:
    if isinstance(source, MultiValueDict):
        yield from source.lists()
    elif isinstance(source, Mapping):
        for key, value in source.items():
            yield key, [value]
    else:
        for key, value in source:
            yield key, [value]


class QueryDict(MultiValueDict[str]):
    """A MultiValueDict of strings parsed from `a=1&b=2`; immutable unless `mutable=True`.

    Parsing never fails on bad input: `+` is a space, blank values are kept, malformed
    percent escapes stay literal, and bytes that are not valid in `encoding` become
    U+FFFD. Only more fields than `max_num_fields` raise (`TooManyFieldsSent`).
    """

    def __init__(
        self,
        query_string: str | bytes | None = None,
        mutable: bool = False,
        encoding: str | None = None,
        *,
        max_num_fields: int | None = None,
    ) -> None:
        # No super().__init__(): the dict starts empty and there is nothing else to set up
        # (request.GET builds one per request, so the call is worth skipping).
        if encoding is not None and encoding != "utf-8":
            check_charset(encoding)
        self.encoding = encoding = encoding or "utf-8"
        self._mutable = mutable
        if query_string:
            # Stored at once: parsing fills even an immutable QueryDict.
            dict.update(self, _parse_lists(query_string, encoding, max_num_fields))

    @classmethod
    def fromkeys(  # type: ignore[override]
        cls,
        iterable: Iterable[str | bytes],
        value: str | bytes = "",
        mutable: bool = False,
        encoding: str | None = None,
    ) -> QueryDict:
        """Return a QueryDict with every key of `iterable` set to `value`."""
        result = cls("", mutable=True, encoding=encoding)
        for key in iterable:
            result.appendlist(key, value)
        result._mutable = mutable
        return result

    def _assert_mutable(self) -> None:
        if not self._mutable:
            raise AttributeError(
                "This QueryDict instance is immutable; call .copy() for a mutable copy."
            )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_querydict, (list(self.lists()), self._mutable, self.encoding))

    def _text(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode(self.encoding, "replace")
        return value

    def __setitem__(self, key: str | bytes, value: str | bytes) -> None:
        self._assert_mutable()
        super().__setitem__(self._text(key), self._text(value))

    def __delitem__(self, key: str) -> None:
        self._assert_mutable()
        super().__delitem__(key)

    def __copy__(self) -> QueryDict:
        return self._mutable_copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> QueryDict:
        result = self._mutable_copy()
        memo[id(self)] = result
        return result

    def _mutable_copy(self) -> QueryDict:
        # Values are immutable strings, so copying each list is a deep copy.
        result = QueryDict(mutable=True, encoding=self.encoding)
        for key, values in self.lists():
            _store(result, key, list(values))
        return result

    def copy(self) -> QueryDict:
        """Return a mutable copy, even of an immutable QueryDict."""
        return self._mutable_copy()

    def setlist(self, key: str | bytes, list_: Iterable[str | bytes]) -> None:
        self._assert_mutable()
        super().setlist(self._text(key), [self._text(value) for value in list_])

    def setlistdefault(self, key: str, default_list: list[str] | None = None) -> list[str]:
        self._assert_mutable()
        return super().setlistdefault(key, default_list)

    def appendlist(self, key: str | bytes, value: str | bytes) -> None:
        self._assert_mutable()
        super().appendlist(self._text(key), self._text(value))

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        self._assert_mutable()
        return super().pop(key, default)

    def popitem(self) -> tuple[str, Any]:
        self._assert_mutable()
        return super().popitem()

    def clear(self) -> None:
        self._assert_mutable()
        super().clear()

    def setdefault(self, key: str | bytes, default: Any = None) -> Any:
        self._assert_mutable()
        return super().setdefault(self._text(key), self._text(default))

    def urlencode(self, safe: str | None = None) -> str:
        """Encode as a query string; characters in `safe` are left unescaped (as `%20` space)."""
        if safe:
            return "&".join(
                f"{quote(key, safe, self.encoding)}={quote(value, safe, self.encoding)}"
                for key, values in self.lists()
                for value in values
            )
        return urlencode(
            [(key, value) for key, values in self.lists() for value in values],
            encoding=self.encoding,
        )


def _rebuild_querydict(
    lists: list[tuple[str, list[str]]], mutable: bool, encoding: str
) -> QueryDict:
    result = QueryDict(mutable=True, encoding=encoding)
    for key, values in lists:
        result.setlist(key, values)
    result._mutable = mutable
    return result


def _parse_lists(
    query_string: str | bytes, encoding: str, max_num_fields: int | None
) -> dict[str, list[str]]:
    """The values of each key, in order, collected in a plain dict (cheaper to fill than
    the QueryDict, a dict subclass)."""
    if isinstance(query_string, bytes):
        if query_string.isascii():
            # Tested on the text: `in` on str is several times faster than on bytes.
            text = query_string.decode("ascii")
            if "%" not in text and "+" not in text:
                return _parse_plain(text, max_num_fields)
        # Well-formed query strings are ASCII; raw bytes from a misbehaving client
        # become U+FFFD rather than an error.
        query_string = query_string.decode(encoding, "replace")
    lists: dict[str, list[str]] = {}
    for key, value in _parse_qsl(query_string, encoding, max_num_fields):
        values = lists.get(key)
        if values is None:
            lists[key] = [value]
        else:
            values.append(value)
    return lists


def _parse_qsl(
    query_string: str, encoding: str, max_num_fields: int | None
) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            query_string,
            keep_blank_values=True,
            encoding=encoding,
            errors="replace",
            max_num_fields=max_num_fields,
        )
    except ValueError:
        # parse_qsl raises ValueError only for max_num_fields (strict_parsing is off).
        raise _too_many_fields(max_num_fields) from None


def _parse_plain(query_string: str, max_num_fields: int | None) -> dict[str, list[str]]:
    """`_parse_lists` for the common case with nothing to unquote (`a=1&b=x`), several
    times faster than parse_qsl; the same result as grouping parse_qsl's pairs (with
    keep_blank_values=True) by key."""
    fields = query_string.split("&")
    if max_num_fields is not None and len(fields) > max_num_fields:
        raise _too_many_fields(max_num_fields)
    lists: dict[str, list[str]] = {}
    for field in fields:
        if field:
            name, _, value = field.partition("=")
            values = lists.get(name)
            if values is None:
                lists[name] = [value]
            else:
                values.append(value)
    return lists


def _too_many_fields(max_num_fields: int | None) -> TooManyFieldsSent:
    return TooManyFieldsSent(
        f"The query string or form has more than {max_num_fields} fields "
        "(data_upload_max_number_fields); send fewer fields or raise the limit."
    )

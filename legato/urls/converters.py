"""Turn one captured path segment into a Python value and back.

A converter is any object with a `regex` string, `to_python(text)` and `to_url(value)`.
`to_python` raising ValueError means "this route does not match, keep looking";
`to_url` raising ValueError means "this route cannot build that URL, try the next one".
Converters are looked up by name when `path()` is called, so `register_converter` must
run before the routes that use it are defined. The registry is module-level, as in
Django: the one accepted piece of global state in Legato. A name stays bound to one
converter class; only a re-run of the same class definition (same class name and regex) may
register it again.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Protocol, runtime_checkable

from legato.exceptions import ImproperlyConfigured

__all__ = [
    "Converter",
    "IntConverter",
    "PathConverter",
    "SlugConverter",
    "StringConverter",
    "UUIDConverter",
    "get_converter",
    "get_converters",
    "register_converter",
]


@runtime_checkable
class Converter(Protocol):
    regex: str

    def to_python(self, value: str) -> Any: ...

    def to_url(self, value: Any) -> str: ...


class IntConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(value)


class StringConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: Any) -> str:
        return str(value)


class SlugConverter(StringConverter):
    regex = "[-a-zA-Z0-9_]+"


class PathConverter(StringConverter):
    regex = ".+"


class UUIDConverter:
    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return str(value)


_BUILTIN: dict[str, Converter] = {
    "int": IntConverter(),
    "path": PathConverter(),
    "slug": SlugConverter(),
    "str": StringConverter(),
    "uuid": UUIDConverter(),
}
_registry: dict[str, Converter] = dict(_BUILTIN)

# Their to_python returns its argument, so the resolver can skip calling it.
_IDENTITY_TYPES = (StringConverter, SlugConverter, PathConverter)


def register_converter(converter: type[Any], type_name: str) -> None:
    """Make `<type_name:...>` usable in routes defined from now on."""
    _check_name(type_name)
    instance = _instantiate(converter, type_name)
    existing = _registry.get(type_name)
    # Re-running the same definition (a reloaded module, a notebook cell, a docs example)
    # makes a new class object with the same name and regex: not a clash.
    rerun = (
        existing is not None
        and type(existing).__name__ == converter.__name__
        and existing.regex == instance.regex
    )
    if existing is not None and (type_name in _BUILTIN or not rerun):
        raise ValueError(
            f"Converter {type_name!r} is already registered (by {type(existing).__qualname__}); "
            f"pick another name for {converter.__qualname__}."
        )
    _registry[type_name] = instance


def get_converter(type_name: str) -> Converter:
    """Return the converter registered as `type_name`; KeyError if there is none."""
    return _registry[type_name]


def get_converters() -> dict[str, Converter]:
    return dict(_registry)


def is_identity(converter: Converter) -> bool:
    return type(converter) in _IDENTITY_TYPES


def _check_name(type_name: str) -> None:
    if not isinstance(type_name, str) or not type_name.isidentifier():
        raise ImproperlyConfigured(
            f"Converter name {type_name!r} is not a valid identifier; use a name like 'year' "
            "so routes can write <year:value>."
        )


def _instantiate(converter: type[Any], type_name: str) -> Converter:
    instance = converter()
    regex = getattr(instance, "regex", None)
    if not isinstance(regex, str):
        raise ImproperlyConfigured(
            f"Converter {type_name!r} ({converter.__name__}) has no `regex` string attribute; "
            "add one, e.g. regex = '[0-9]{4}'."
        )
    if not callable(getattr(instance, "to_python", None)) or not callable(
        getattr(instance, "to_url", None)
    ):
        raise ImproperlyConfigured(
            f"Converter {type_name!r} ({converter.__name__}) must define to_python(self, value) "
            "and to_url(self, value)."
        )
    _check_regex(regex, type_name)
    return instance  # type: ignore[no-any-return]


def _check_regex(regex: str, type_name: str) -> None:
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise ImproperlyConfigured(
            f"Converter {type_name!r} has an invalid regex {regex!r}: {exc}."
        ) from None
    if compiled.groupindex:
        raise ImproperlyConfigured(
            f"Converter {type_name!r} regex {regex!r} uses named groups; use (?:...) instead, "
            "the route names the captured value."
        )

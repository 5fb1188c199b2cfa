"""Built-in converters, register_converter, and converters declining a match."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from legato.exceptions import ImproperlyConfigured
from legato.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
    get_converter,
    register_converter,
)
from legato.urls.patterns import path
from legato.urls.resolver import Resolver, Resolver404


def view(request: object, **kwargs: Any) -> None:
    return None


def resolve(route: str, url: str) -> dict[str, Any]:
    return Resolver([path(route, view)]).resolve(url).kwargs


def test_int_converter_returns_int() -> None:
    assert resolve("items/<int:pk>/", "/items/42/") == {"pk": 42}
    assert IntConverter().to_url(7) == "7"


def test_int_converter_rejects_signs_and_letters() -> None:
    for url in ("/items/-1/", "/items/+1/", "/items/1a/", "/items//"):
        with pytest.raises(Resolver404):
            resolve("items/<int:pk>/", url)


def test_str_converter_is_the_default_and_stops_at_slash() -> None:
    assert resolve("u/<name>/", "/u/a b.c/") == {"name": "a b.c"}
    with pytest.raises(Resolver404):
        resolve("u/<name>/", "/u/a/b/")
    assert StringConverter().to_url("x") == "x"


def test_slug_converter_accepts_slug_characters_only() -> None:
    assert resolve("<slug:s>/", "/Hello-World_2/") == {"s": "Hello-World_2"}
    with pytest.raises(Resolver404):
        resolve("<slug:s>/", "/héllo/")
    assert SlugConverter().to_url("a-b") == "a-b"


def test_uuid_converter_returns_uuid_and_needs_lowercase() -> None:
    value = uuid.UUID("abcdef01-1234-5678-9abc-def012345678")
    assert resolve("<uuid:u>/", f"/{value}/") == {"u": value}
    with pytest.raises(Resolver404):
        resolve("<uuid:u>/", f"/{str(value).upper()}/")
    assert UUIDConverter().to_url(value) == str(value)


def test_path_converter_spans_slashes() -> None:
    assert resolve("files/<path:p>", "/files/a/b/c.txt") == {"p": "a/b/c.txt"}
    assert PathConverter().to_url("a/b") == "a/b"


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if year < 1900:
            raise ValueError("too old")  # declines: the next route gets a chance
        return year

    def to_url(self, value: int) -> str:
        if value < 1900:
            raise ValueError("too old")
        return f"{value:04d}"


def test_register_converter_makes_the_name_usable() -> None:
    register_converter(YearConverter, "yyyy_test")
    assert isinstance(get_converter("yyyy_test"), YearConverter)
    assert resolve("y/<yyyy_test:year>/", "/y/2024/") == {"year": 2024}


def test_converter_value_error_falls_through_to_next_route() -> None:
    register_converter(YearConverter, "yyyy_test")

    def fallback(request: object, **kwargs: Any) -> None:
        return None

    resolver = Resolver([path("y/<yyyy_test:year>/", view), path("y/<str:other>/", fallback)])
    assert resolver.resolve("/y/1850/").func is fallback
    assert resolver.resolve("/y/1999/").func is view


def test_register_converter_same_class_twice_is_harmless() -> None:
    register_converter(YearConverter, "yyyy_twice")
    register_converter(YearConverter, "yyyy_twice")
    assert isinstance(get_converter("yyyy_twice"), YearConverter)


def test_register_converter_accepts_a_rerun_of_the_same_definition() -> None:
    def define() -> type[Any]:
        class Rerun(YearConverter):
            pass

        return Rerun

    first, second = define(), define()
    register_converter(first, "yyyy_rerun")
    register_converter(second, "yyyy_rerun")
    assert type(get_converter("yyyy_rerun")) is second


def test_register_converter_refuses_to_replace_a_name() -> None:
    class Other(YearConverter):
        pass

    register_converter(YearConverter, "yyyy_taken")
    with pytest.raises(ValueError, match="already registered"):
        register_converter(Other, "yyyy_taken")
    with pytest.raises(ValueError, match="already registered"):
        register_converter(Other, "int")


def test_register_converter_rejects_broken_converters() -> None:
    class NoRegex:
        def to_python(self, value: str) -> str:
            return value

        def to_url(self, value: str) -> str:
            return value

    class BadRegex(YearConverter):
        regex = "[0-9"

    class NamedGroup(YearConverter):
        regex = "(?P<x>[0-9]+)"

    class NoMethods:
        regex = "[0-9]+"

    for converter in (NoRegex, BadRegex, NamedGroup, NoMethods):
        with pytest.raises(ImproperlyConfigured):
            register_converter(converter, "broken_test")
    with pytest.raises(ImproperlyConfigured, match="identifier"):
        register_converter(YearConverter, "not a name")

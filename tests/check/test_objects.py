"""Finding objects by name without running the user's code: dictionaries and the MRO only."""

from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async

from legato.check.objects import (
    TypeRef,
    class_member,
    is_coroutine_function,
    live_object,
    member,
    plain_function,
    returned_class,
)


class Base:
    def inherited(self) -> None:
        pass


class Child(Base):
    calls = 0

    @property
    def expensive(self) -> int:
        Child.calls += 1
        return 1

    @staticmethod
    def helper() -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        Child.calls += 1
        return name


def decorated(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        return func(*args)

    return wrapper


@decorated
@decorated
def view(request: object) -> None:
    pass


async def async_view(request: object) -> None:
    pass


def makes_child() -> Child | None:
    return None


def test_live_object_follows_a_dotted_name_into_imported_modules() -> None:
    assert live_object("tests.check.test_objects.Child.helper") is Child.__dict__["helper"].__func__
    assert live_object("tests.check.test_objects.Nothing") is None
    assert live_object("module_never_imported_anywhere.thing") is None


def test_members_are_read_without_running_properties_or_getattr() -> None:
    Child.calls = 0
    assert isinstance(member(Child(), "expensive"), property)
    assert member(Child(), "missing") is None
    assert class_member(Child, "inherited") is Base.inherited
    assert Child.calls == 0


def test_plain_function_unwraps_every_decorator_layer() -> None:
    assert plain_function(view) is view.__wrapped__.__wrapped__  # type: ignore[attr-defined]
    assert plain_function(Child.helper) is Child.helper
    assert plain_function(len) is None


def test_coroutine_functions_include_sync_to_async_wrappers() -> None:
    assert is_coroutine_function(async_view)
    assert is_coroutine_function(sync_to_async(makes_child))
    assert not is_coroutine_function(view)


def test_a_return_annotation_names_the_class() -> None:
    assert returned_class(makes_child) is Child  # a string annotation, `Child | None`
    assert returned_class(view) is None


def test_a_type_ref_knows_every_name_of_the_class_and_its_bases() -> None:
    ref = TypeRef.named("tests.check.test_objects.Child")
    assert ref.cls is Child
    assert "tests.check.test_objects.Base" in ref.names
    assert TypeRef.named("not.imported.Client").names == frozenset({"not.imported.Client"})

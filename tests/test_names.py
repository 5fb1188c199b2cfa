"""How error messages and `legato routes` name a view, hook or middleware."""

from __future__ import annotations

import functools

from legato._names import dotted_name, view_name
from legato.views import View


def plain_view() -> None:
    pass


class ItemView(View):
    pass


class Callable:
    def __call__(self) -> None:
        pass


def test_a_function_is_named_by_module_and_qualified_name() -> None:
    assert dotted_name(plain_view) == "tests.test_names.plain_view"


def test_a_nested_function_keeps_its_locals_path() -> None:
    def inner() -> None:
        pass

    assert dotted_name(inner) == (
        "tests.test_names.test_a_nested_function_keeps_its_locals_path.<locals>.inner"
    )


def test_a_class_and_a_method_are_named_like_functions() -> None:
    assert dotted_name(ItemView) == "tests.test_names.ItemView"
    assert dotted_name(ItemView.dispatch) == "legato.views.base.View.dispatch"


def test_a_callable_instance_is_named_by_its_type() -> None:
    assert dotted_name(Callable()) == "tests.test_names.Callable"


def test_a_partial_without_a_qualified_name_is_named_by_its_type() -> None:
    assert dotted_name(functools.partial(plain_view)) == "functools.partial"


def test_an_as_view_function_is_named_by_its_class() -> None:
    assert dotted_name(ItemView.as_view()) == "tests.test_names.ItemView.as_view"


def test_a_view_name_adds_call_for_a_callable_instance_only() -> None:
    assert view_name(Callable()) == "tests.test_names.Callable.__call__"
    assert view_name(functools.partial(plain_view)) == "functools.partial.__call__"
    assert view_name(plain_view) == "tests.test_names.plain_view"
    assert view_name(ItemView.as_view()) == "tests.test_names.ItemView.as_view"

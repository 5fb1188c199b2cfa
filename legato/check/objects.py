"""Look objects up the way the code names them, reading dictionaries only.

The app is imported, so its modules, classes and functions exist; these helpers find
them through `vars()` and the class's MRO, never through `getattr`, so no property,
`__getattr__` or descriptor of the user's code runs while the check reads it.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from types import FunctionType, MethodType, ModuleType
from typing import Any

from asgiref.sync import SyncToAsync

from legato.sync import iscoroutinefunction

__all__ = [
    "TypeRef",
    "class_member",
    "is_coroutine_function",
    "live_object",
    "member",
    "plain_function",
    "returned_class",
]

_MAX_WRAPPERS = 20  # decorators around one function; a cycle of __wrapped__ stops here


@dataclass(frozen=True)
class TypeRef:
    """A type the check knows a value has: by its dotted names, and its class if imported."""

    names: frozenset[str]
    cls: type | None = None

    @classmethod
    def of_class(cls, klass: type) -> TypeRef:
        names = frozenset(f"{k.__module__}.{k.__qualname__}" for k in klass.__mro__)
        return cls(names, klass)

    @classmethod
    def named(cls, name: str) -> TypeRef:
        found = live_object(name)
        return cls.of_class(found) if isinstance(found, type) else cls(frozenset((name,)))


def live_object(name: str) -> object | None:
    """The object `name` ("package.module.Class.method") denotes, if imported; else None."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        found: object | None = sys.modules.get(".".join(parts[:split]))
        if found is not None:
            for part in parts[split:]:
                found = member(found, part)
                if found is None:
                    return None
            return found
    return None


def member(owner: object, name: str) -> object | None:
    """`owner.name` for a module, class or instance, read from dictionaries only."""
    if isinstance(owner, ModuleType):
        return vars(owner).get(name)
    if isinstance(owner, type):
        return class_member(owner, name)
    return class_member(type(owner), name)  # an instance: its class's methods


def class_member(cls: type, name: str) -> object | None:
    for klass in cls.__mro__:
        found = vars(klass).get(name)
        if found is not None:
            return found.__func__ if isinstance(found, staticmethod | classmethod) else found
    return None


def plain_function(obj: object) -> FunctionType | None:
    """The innermost `def` behind `obj`, through decorators that keep `__wrapped__`."""
    for _ in range(_MAX_WRAPPERS):
        if isinstance(obj, staticmethod | classmethod | MethodType):
            obj = obj.__func__
        wrapped = inspect.getattr_static(obj, "__wrapped__", None)
        if wrapped is None:
            return obj if isinstance(obj, FunctionType) else None
        obj = wrapped
    return None


def returned_class(function: FunctionType) -> type | None:
    """The class `function` says it returns (`-> Aggregator`, `-> Client | None`)."""
    try:  # an annotation may be evaluated here (PEP 649); a broken one is just unknown
        annotation = function.__annotations__.get("return")
    except Exception:
        return None
    if isinstance(annotation, str):
        annotation = _annotated_class(annotation, function.__globals__)
    return annotation if isinstance(annotation, type) else None


def _annotated_class(text: str, namespace: dict[str, Any]) -> object | None:
    for alternative in text.split("|"):
        head, *rest = alternative.strip().split(".")
        if head == "None" or not head.isidentifier():
            continue
        found: object | None = namespace.get(head)
        for part in rest:
            found = member(found, part) if found is not None else None
        return found
    return None


def is_coroutine_function(obj: Any) -> bool:
    """Whether calling `obj` makes a coroutine (an `async def`, or `sync_to_async(f)`)."""
    if isinstance(obj, SyncToAsync):
        return True
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    return isinstance(obj, FunctionType | MethodType) and iscoroutinefunction(obj)

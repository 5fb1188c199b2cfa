"""Flatten a tree of routes and include()s into one list of endpoints, in Django's order.

Each endpoint keeps the chain of levels (include prefixes, then its own pattern) that
leads to it, with each level's default kwargs; the depth-first order of the list is
the order Django tries routes in, so "first match in the list" is Django's answer.
Namespaces become a tree of `Namespace` nodes for reverse(), built with Django's rules:
includes without a namespace hoist their names and namespaces into the enclosing one,
the first include to claim a namespace keeps it, an app_name lists its instances with
the last deployed first, and a name used twice reverses to the last route first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.urls.patterns import Pattern, URLInclude, URLPattern, View

__all__ = ["FlatRoute", "Level", "Namespace", "flatten"]


@dataclass(frozen=True, slots=True)
class Level:
    pattern: Pattern
    defaults: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FlatRoute:
    index: int
    kind: str
    levels: tuple[Level, ...]
    view: View
    name: str | None
    app_names: tuple[str, ...]
    namespaces: tuple[str, ...]

    @property
    def text(self) -> str:
        """The full route, e.g. "blog/<int:year>/" (Django's ResolverMatch.route).

        Joined as Django joins it, from the endpoint outwards: a level's leading "^" is
        dropped when a non-empty level comes before it, so `re_path("^a/$")` under
        `path("", include(...))` keeps its "^".
        """
        texts = [str(level.pattern) for level in self.levels]
        route = texts[-1]
        for outer in reversed(texts[:-1]):
            if outer:
                route = outer + route.removeprefix("^")
        return route

    @property
    def message_text(self) -> str:
        """The route as NoReverseMatch lists it: every level without its leading "^"."""
        return "".join(str(level.pattern).removeprefix("^") for level in self.levels)


@dataclass(slots=True)
class Namespace:
    children: dict[str, Namespace] = field(default_factory=dict)
    apps: dict[str, list[str]] = field(default_factory=dict)
    by_name: dict[str, list[FlatRoute]] = field(default_factory=dict)
    by_view: dict[Any, list[FlatRoute]] = field(default_factory=dict)

    def add(self, route: FlatRoute) -> None:
        if route.name is not None:
            self.by_name.setdefault(route.name, []).append(route)
        # An unhashable view can only be reversed by name.
        with contextlib.suppress(TypeError):
            self.by_view.setdefault(route.view, []).append(route)

    def finish(self) -> None:
        # Django tries same-named routes last-declared first, and defaults an app to its
        # last deployed instance.
        for routes in (*self.by_name.values(), *self.by_view.values()):
            routes.reverse()
        for instances in self.apps.values():
            instances.reverse()
        for child in self.children.values():
            child.finish()


@dataclass(frozen=True, slots=True)
class _Scope:
    node: Namespace
    levels: tuple[Level, ...]
    app_names: tuple[str, ...]
    namespaces: tuple[str, ...]


def flatten(patterns: Sequence[URLPattern | URLInclude]) -> tuple[list[FlatRoute], Namespace]:
    root = Namespace()
    routes: list[FlatRoute] = []
    _walk(patterns, _Scope(root, (), (), ()), routes)
    root.finish()
    return routes, root


def _walk(
    patterns: Sequence[URLPattern | URLInclude], scope: _Scope, routes: list[FlatRoute]
) -> None:
    for item in patterns:
        if isinstance(item, URLPattern):
            route = _endpoint(item, scope, len(routes))
            routes.append(route)
            scope.node.add(route)
        else:
            _walk(item.include.patterns, _enter(item, scope), routes)


def _endpoint(item: URLPattern, scope: _Scope, index: int) -> FlatRoute:
    levels = (*scope.levels, Level(item.pattern, item.default_args))
    route = FlatRoute(
        index, item.kind, levels, item.callback, item.name, scope.app_names, scope.namespaces
    )
    _check_unique_groups(route)
    return route


def _enter(item: URLInclude, scope: _Scope) -> _Scope:
    levels = (*scope.levels, Level(item.pattern, item.default_kwargs))
    namespace, app_name = item.include.namespace, item.include.app_name
    if namespace is None:
        return _Scope(scope.node, levels, scope.app_names, scope.namespaces)
    child = Namespace()
    # A later include reusing a namespace still resolves, but reverse() keeps the first.
    scope.node.children.setdefault(namespace, child)
    if app_name:
        scope.node.apps.setdefault(app_name, []).append(namespace)
    return _Scope(child, levels, (*scope.app_names, app_name or ""), (*scope.namespaces, namespace))


def _check_unique_groups(route: FlatRoute) -> None:
    seen: set[str] = set()
    for level in route.levels:
        for name in level.pattern.group_names:
            if name in seen:
                raise ImproperlyConfigured(
                    f"Route {route.text!r} captures {name!r} twice (in an include() prefix and "
                    "below it); rename one of the parameters."
                )
            seen.add(name)

"""Compile one flattened route into the object the resolver matches a path against.

Everything that does not depend on the path is computed here, once: the adapted view,
the names shown on the match, the merged default kwargs, the key that indexes the route
(the segments of every path it matches, _segments.py). `match(path)` returns
`(args, kwargs, captured_kwargs)` or None, following Django level by level: each level
matches what the levels above left over, converters may decline with ValueError, default
kwargs win over captured values of the same level and of the levels above, and unnamed
groups become positional arguments only while no keyword argument exists (Django's rule).

Paths handed to `match` keep their leading "/"; routes are written without it, so every
position below starts at 1. `match` skips the text of the literal levels that lead a
route (include prefixes) unread: the resolver only hands it paths that hold them, since
the route's key (_segments.py) spells them out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from legato.urls._segments import route_key
from legato.urls._tree import FlatRoute
from legato.urls.converters import is_identity
from legato.urls.patterns import RoutePattern, View, is_async_view

__all__ = ["DynamicEndpoint", "Endpoint", "RouteInfo", "compile_endpoint", "func_path"]

Found = tuple[tuple[Any, ...], dict[str, Any], dict[str, Any]]
_EMPTY: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One row of the URL table, for `legato routes` and the debug 404 page."""

    kind: str
    pattern: str
    name: str | None
    view: View
    is_async: bool

    @property
    def route(self) -> str:
        return self.pattern


class Endpoint:
    """A route with everything a match reports precomputed; subclasses define `match`."""

    __slots__ = (
        "_overriding",
        "app_name",
        "app_names",
        "callback",
        "defaults",
        "func",
        "index",
        "info",
        "namespace",
        "namespaces",
        "route",
        "url_name",
        "view_name",
    )

    def __init__(self, flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> None:
        self.index = flat.index
        self.func = flat.view
        self.callback = adapt_view(flat.view) if adapt_view is not None else flat.view
        self.url_name = flat.name
        self.app_names = flat.app_names
        self.namespaces = flat.namespaces
        self.app_name = ":".join(flat.app_names)
        self.namespace = ":".join(flat.namespaces)
        self.view_name = ":".join((*flat.namespaces, flat.name or func_path(flat.view)))
        self.route = flat.text
        self.defaults, self._overriding = _merge_defaults(flat)
        name = ":".join((*flat.namespaces, flat.name)) if flat.name else None
        self.info = RouteInfo(flat.kind, self.route, name, flat.view, is_async_view(flat.view))

    def match(self, path: str) -> Found | None:
        raise NotImplementedError

    def static_path(self) -> str | None:
        return None

    def kwargs_for(self, captured: dict[str, Any]) -> dict[str, Any]:
        if not self.defaults:
            return dict(captured)
        kwargs = {**captured, **self.defaults}
        for name in self._overriding:
            if name in captured:
                kwargs[name] = captured[name]
        return kwargs


class StaticEndpoint(Endpoint):
    """Every level is literal: the route matches one exact path, found by dict lookup."""

    __slots__ = ("_path",)

    def __init__(self, flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> None:
        super().__init__(flat, adapt_view)
        self._path = "/" + "".join(level.pattern.literal or "" for level in flat.levels)

    def static_path(self) -> str:
        return self._path

    def match(self, path: str) -> Found | None:
        return ((), dict(self.defaults), {}) if path == self._path else None


class DynamicEndpoint(Endpoint):
    """A route with converters or a regex, found through its key (_segments.py)."""

    __slots__ = ("key",)

    def __init__(self, flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> None:
        super().__init__(flat, adapt_view)
        self.key = route_key(flat.levels)


class SimpleEndpoint(DynamicEndpoint):
    """Literal include prefixes, then one path() pattern: one fullmatch, then converters."""

    __slots__ = ("_conversions", "_regex", "_skip")

    def __init__(self, flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> None:
        super().__init__(flat, adapt_view)
        pattern = cast(RoutePattern, flat.levels[-1].pattern)  # chosen so by compile_endpoint
        self._skip = 1 + sum(len(level.pattern.literal or "") for level in flat.levels[:-1])
        self._regex = pattern.compiled
        self._conversions = tuple(
            (name, converter.to_python)
            for name, converter in pattern.converters.items()
            if not is_identity(converter)
        )

    def match(self, path: str) -> Found | None:
        found = self._regex.fullmatch(path, self._skip)
        if found is None:
            return None
        captured = found.groupdict()
        for name, to_python in self._conversions:
            try:
                captured[name] = to_python(captured[name])
            except ValueError:
                return None  # the converter declines: not this route
        return (), self.kwargs_for(captured) if self.defaults else captured.copy(), captured


class StagedEndpoint(DynamicEndpoint):
    """The general case: levels matched one after the other, as Django's resolvers do."""

    __slots__ = ("_positional", "_skip", "_stages")

    def __init__(self, flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> None:
        super().__init__(flat, adapt_view)
        leading = _leading_literals(flat)
        self._skip = 1 + sum(len(level.pattern.literal or "") for level in flat.levels[:leading])
        self._stages = tuple(
            (level.pattern, bool(level.defaults)) for level in flat.levels[leading:]
        )
        self._positional = any(level.pattern.positional for level in flat.levels)

    def match(self, path: str) -> Found | None:
        pos = self._skip
        captured: dict[str, Any] = {}
        per_level: list[tuple[tuple[Any, ...], bool]] = []
        for pattern, has_defaults in self._stages:
            found = pattern.match_at(path, pos)
            if found is None:
                return None
            pos, args, kwargs = found
            captured.update(kwargs)
            per_level.append((args, bool(kwargs) or has_defaults))
        args = _positional_args(per_level) if self._positional else ()
        return args, self.kwargs_for(captured), captured


def compile_endpoint(flat: FlatRoute, adapt_view: Callable[[View], View] | None) -> Endpoint:
    leading = _leading_literals(flat)
    if leading == len(flat.levels):
        return StaticEndpoint(flat, adapt_view)
    if leading == len(flat.levels) - 1 and isinstance(flat.levels[-1].pattern, RoutePattern):
        return SimpleEndpoint(flat, adapt_view)
    return StagedEndpoint(flat, adapt_view)


def _positional_args(per_level: list[tuple[tuple[Any, ...], bool]]) -> tuple[Any, ...]:
    # Django: the endpoint's unnamed groups always count; an enclosing level's count only
    # while that level and everything below it produced no keyword argument at all.
    args, has_kwargs = per_level[-1]
    for level_args, level_has_kwargs in reversed(per_level[:-1]):
        has_kwargs = has_kwargs or level_has_kwargs
        if not has_kwargs:
            args = level_args + args
    return args


def _leading_literals(flat: FlatRoute) -> int:
    count = 0
    for level in flat.levels:
        if level.pattern.literal is None:
            break
        count += 1
    return count


def _merge_defaults(flat: FlatRoute) -> tuple[dict[str, Any], tuple[str, ...]]:
    # Django applies, level by level: captured values, then that level's defaults. So a
    # default beats a value captured at its own level or above, and loses to one below.
    defaults: dict[str, Any] = {}
    last_default: dict[str, int] = {}
    for depth, level in enumerate(flat.levels):
        defaults.update(level.defaults)
        last_default.update(dict.fromkeys(level.defaults, depth))
    overriding = tuple(
        name
        for depth, level in enumerate(flat.levels)
        for name in level.pattern.group_names
        if last_default.get(name, depth) < depth
    )
    return defaults, overriding


def func_path(view: View) -> str:
    """The view's dotted path as Django's ResolverMatch names it (a class-based view's class)."""
    view = getattr(view, "view_class", view)
    if not hasattr(view, "__name__"):
        view = type(view)
    return f"{view.__module__}.{view.__name__}"

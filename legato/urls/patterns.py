"""Declare routes: path(), re_path(), include() and websocket().

Everything a route can get wrong is checked here, when the route is defined, and raised
as ImproperlyConfigured with the fix: bad `<...>` syntax, unknown converters, repeated
parameter names, a leading slash, an invalid regex, a view that is not callable or is a
class. Each pattern compiles its regex once and knows its literal text, which the
resolver (resolver.py) uses to index it; nothing here runs per request except
`match_at`, called by the resolver.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeAlias, overload

from asgiref.sync import iscoroutinefunction

from legato.exceptions import ImproperlyConfigured
from legato.urls import _regex
from legato.urls._normalize import Normalized, normalize
from legato.urls._regex import Param
from legato.urls.converters import Converter, get_converter, get_converters

__all__ = [
    "Include",
    "RegexPattern",
    "RoutePattern",
    "URLInclude",
    "URLPattern",
    "include",
    "load_urlpatterns",
    "path",
    "re_path",
    "websocket",
]

View: TypeAlias = Callable[..., Any]
Match: TypeAlias = tuple[int, tuple[Any, ...], dict[str, Any]]
_LEADING_FLAGS = re.compile(r"(?:\(\?[aiLmsux]+\))+")
_NO_ARGS: tuple[Any, ...] = ()


class RoutePattern:
    """A path() route such as "blog/<int:year>/", compiled to one regex."""

    __slots__ = (
        "compiled",
        "converters",
        "is_endpoint",
        "literal",
        "literal_prefix",
        "parts",
        "regex_text",
        "route",
    )
    anchored = True
    positional = False

    def __init__(self, route: str, is_endpoint: bool) -> None:
        _check_route_text(route)
        self.route = route
        self.is_endpoint = is_endpoint
        self.parts, self.converters = _parse_route(route)
        self.regex_text = "".join(
            re.escape(part) if isinstance(part, str) else self._group(part) for part in self.parts
        )
        self.compiled = _regex.compile_regex(self.regex_text)
        self.literal_prefix = self.parts[0] if self.parts and isinstance(self.parts[0], str) else ""
        self.literal = route if not self.converters else None

    def _group(self, param: Param) -> str:
        name = str(param.name)  # path() parameters are always named
        return f"(?P<{name}>{self.converters[name].regex})"

    @property
    def check_text(self) -> str:
        """This level's regex as Django writes it, without the leading ^."""
        return self.regex_text + ("\\Z" if self.is_endpoint else "")

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(self.converters)

    def normalized(self) -> Normalized:
        """The one form reverse() fills in: the route's text and its parameters."""
        return Normalized((self.parts,))

    def match_at(self, path: str, pos: int) -> Match | None:
        """Match `path[pos:]`; return the end position, args and converted kwargs."""
        regex = self.compiled
        found = regex.fullmatch(path, pos) if self.is_endpoint else regex.match(path, pos)
        if found is None:
            return None
        kwargs = found.groupdict()
        for name, converter in self.converters.items():
            try:
                kwargs[name] = converter.to_python(kwargs[name])
            except ValueError:
                return None  # the converter declines: not this route
        return found.end(), _NO_ARGS, kwargs

    def __str__(self) -> str:
        return self.route

    def __repr__(self) -> str:
        return f"<RoutePattern {self.route!r}>"


class RegexPattern:
    """A re_path() regex, matched as Django does (search, or fullmatch for "...$" endpoints)."""

    __slots__ = ("_fullmatch", "_shape", "is_endpoint", "regex", "regex_text")
    converters: Mapping[str, Converter] = {}

    def __init__(self, regex: str, is_endpoint: bool) -> None:
        if not isinstance(regex, str):
            raise ImproperlyConfigured(f"re_path() takes a regex string, not {regex!r}.")
        _check_leading_slash(regex, regex.startswith(("/", "^/", "^\\/")))
        self.regex_text = regex
        self.is_endpoint = is_endpoint
        try:
            self.regex = _regex.compile_regex(regex)
        except re.error as exc:
            raise ImproperlyConfigured(
                f"{regex!r} is not a valid regular expression: {exc}. Fix the regex, or use "
                "path() with <converter:name> parameters."
            ) from None
        self._fullmatch = is_endpoint and regex.endswith("$")
        self._shape = _regex.analyse(regex, self.regex, is_endpoint)

    @property
    def anchored(self) -> bool:
        return self._shape.anchored

    @property
    def literal(self) -> str | None:
        return self._shape.literal

    @property
    def literal_prefix(self) -> str:
        return self._shape.literal_prefix

    def normalized(self) -> Normalized:
        """The forms reverse() fills in (_normalize.py); computed on each call."""
        return normalize(self.regex_text)

    @property
    def route(self) -> str:
        return self.regex_text

    @property
    def positional(self) -> bool:
        return not self.regex.groupindex and self.regex.groups > 0

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(self.regex.groupindex)

    @property
    def check_text(self) -> str:
        """This level's regex without the leading ^, to join with the other levels.

        Flags such as "(?x)" may only open a whole regex, so a level that starts with
        them is written as the scoped group "(?x:...)" instead: they apply to it alone,
        as when the level is matched on its own.
        """
        flags = _LEADING_FLAGS.match(self.regex_text)
        if flags is None:
            return self.regex_text.removeprefix("^")
        letters = "".join(re.findall("[aiLmsux]", flags.group()))
        return f"(?{letters}:{self.regex_text[flags.end() :]})"

    def match_at(self, path: str, pos: int) -> Match | None:
        # Django matches each level against what the levels above left over.
        text = path[pos:] if pos else path
        found = self.regex.fullmatch(text) if self._fullmatch else self.regex.search(text)
        if found is None:
            return None
        named = found.groupdict()
        args = _NO_ARGS if named else found.groups()
        kwargs = {key: value for key, value in named.items() if value is not None}
        return pos + found.end(), args, kwargs

    def __str__(self) -> str:
        return self.regex_text

    def __repr__(self) -> str:
        return f"<RegexPattern {self.regex_text!r}>"


Pattern: TypeAlias = RoutePattern | RegexPattern


class URLPattern:
    """One endpoint: a pattern, the view (or websocket handler) it routes to, its name."""

    __slots__ = ("callback", "default_args", "kind", "name", "pattern")

    def __init__(
        self,
        pattern: Pattern,
        callback: View,
        default_args: Mapping[str, Any] | None = None,
        name: str | None = None,
        kind: str = "http",
    ) -> None:
        self.pattern = pattern
        self.callback = callback
        self.default_args = _check_kwargs(default_args, str(pattern))
        self.name = _check_name(name, str(pattern))
        self.kind = kind

    def __repr__(self) -> str:
        name = f" [name={self.name!r}]" if self.name else ""
        return f"<URLPattern {str(self.pattern)!r}{name}>"


@dataclass(frozen=True, slots=True)
class Include:
    """What include() returns: routes to mount under a prefix, with their namespace."""

    patterns: tuple[URLPattern | URLInclude, ...]
    app_name: str | None = None
    namespace: str | None = None


class URLInclude:
    """A prefix under which an Include's routes are mounted (Django's URLResolver)."""

    __slots__ = ("default_kwargs", "include", "pattern")

    def __init__(
        self, pattern: Pattern, include: Include, default_kwargs: Mapping[str, Any] | None = None
    ) -> None:
        self.pattern = pattern
        self.include = include
        self.default_kwargs = _check_kwargs(default_kwargs, str(pattern))

    @property
    def url_patterns(self) -> tuple[URLPattern | URLInclude, ...]:
        return self.include.patterns

    @property
    def app_name(self) -> str | None:
        return self.include.app_name

    @property
    def namespace(self) -> str | None:
        return self.include.namespace

    def __repr__(self) -> str:
        namespace = f" (namespace={self.namespace!r})" if self.namespace else ""
        return f"<URLInclude {str(self.pattern)!r}{namespace}>"


@overload
def path(
    route: str, view: Include, kwargs: Mapping[str, Any] | None = None, name: None = None
) -> URLInclude: ...
@overload
def path(
    route: str, view: View, kwargs: Mapping[str, Any] | None = None, name: str | None = None
) -> URLPattern: ...
def path(
    route: str,
    view: View | Include,
    kwargs: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> URLPattern | URLInclude:
    """Route `route` (e.g. "blog/<int:year>/") to `view`, or mount an include() under it."""
    return _make(route, view, kwargs, name, RoutePattern)


@overload
def re_path(
    regex: str, view: Include, kwargs: Mapping[str, Any] | None = None, name: None = None
) -> URLInclude: ...
@overload
def re_path(
    regex: str, view: View, kwargs: Mapping[str, Any] | None = None, name: str | None = None
) -> URLPattern: ...
def re_path(
    regex: str,
    view: View | Include,
    kwargs: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> URLPattern | URLInclude:
    """Route paths matching `regex` to `view`, or mount an include() under it."""
    return _make(regex, view, kwargs, name, RegexPattern)


def websocket(route: str, handler: View, name: str | None = None) -> URLPattern:
    """Route websocket connections on `route` to `async def handler(ws, **kwargs)`."""
    if isinstance(handler, Include):
        raise ImproperlyConfigured(
            f"websocket({route!r}, include(...)) is not supported; mount the list with "
            "path(prefix, include([...])) and put websocket() routes inside it."
        )
    pattern = RoutePattern(route, is_endpoint=True)
    _check_view(handler, route)
    if not is_async_view(handler):
        raise ImproperlyConfigured(
            f"The websocket handler {_describe(handler)} for route {route!r} is not async; "
            "define it as `async def handler(ws, **kwargs)`."
        )
    return URLPattern(pattern, handler, None, name, kind="websocket")


def include(arg: Any, namespace: str | None = None) -> Include:
    """Collect routes to mount under a path() prefix.

    `arg` is a list of routes, a module (or its dotted path) defining `urlpatterns` and
    optionally `app_name`, or a `(patterns, app_name)` pair.
    """
    app_name: str | None = None
    if isinstance(arg, tuple) and len(arg) == 2 and isinstance(arg[1], str):
        arg, app_name = arg
    patterns, module_app_name = load_urlpatterns(arg)
    app_name = app_name or module_app_name
    if namespace is not None and not app_name:
        raise ImproperlyConfigured(
            f"include(..., namespace={namespace!r}) needs an app_name: set `app_name = "
            f"{namespace!r}` in the included module, or pass include((patterns, "
            f"{namespace!r}), namespace={namespace!r})."
        )
    namespace = namespace if namespace is not None else app_name
    for label in (app_name, namespace):
        if label is not None:
            _check_namespace(label)
    return Include(patterns, app_name, namespace)


def load_urlpatterns(arg: Any) -> tuple[tuple[URLPattern | URLInclude, ...], str | None]:
    """Return the checked routes and app_name of a list, a module or a dotted module path."""
    if isinstance(arg, str):
        arg = importlib.import_module(arg)
    app_name = None
    if isinstance(arg, ModuleType):
        app_name = getattr(arg, "app_name", None)
        arg = _module_patterns(arg)
    if not isinstance(arg, Sequence) or isinstance(arg, str):
        raise ImproperlyConfigured(
            f"Expected a list of path()/re_path() routes, a module or a dotted module path, "
            f"got {arg!r}."
        )
    return tuple(_check_item(item, index) for index, item in enumerate(arg)), app_name


def is_async_view(view: object) -> bool:
    if iscoroutinefunction(view):
        return True
    call = getattr(type(view), "__call__", None)  # noqa: B004 - an instance with async __call__
    return not inspect.isfunction(view) and not inspect.ismethod(view) and iscoroutinefunction(call)


def _make(
    route: str,
    view: View | Include,
    kwargs: Mapping[str, Any] | None,
    name: str | None,
    pattern_type: type[RoutePattern] | type[RegexPattern],
) -> URLPattern | URLInclude:
    if isinstance(view, Include):
        if name is not None:
            raise ImproperlyConfigured(
                f"Route {route!r} passes name={name!r} with include(); include() routes are "
                "not named, name the routes inside it (and use include(..., namespace=...))."
            )
        return URLInclude(pattern_type(route, is_endpoint=False), view, kwargs)
    pattern = pattern_type(route, is_endpoint=True)
    _check_view(view, route)
    return URLPattern(pattern, view, kwargs, name)


def _module_patterns(module: ModuleType) -> Any:
    patterns = getattr(module, "urlpatterns", None)
    if patterns is None:
        raise ImproperlyConfigured(
            f"The URL module {module.__name__!r} has no `urlpatterns`; define "
            "`urlpatterns = [path(...), ...]` in it (if it does, look for a circular import)."
        )
    return patterns


def _check_item(item: object, index: int) -> URLPattern | URLInclude:
    if isinstance(item, URLPattern | URLInclude):
        return item
    if isinstance(item, list | tuple):
        raise ImproperlyConfigured(
            f"urlpatterns[{index}] is a list; mount it with path('', include([...]))."
        )
    raise ImproperlyConfigured(
        f"urlpatterns[{index}] is {item!r}, not a route; urlpatterns must hold path(), "
        "re_path() and websocket() routes."
    )


def _check_view(view: object, route: str) -> None:
    if isinstance(view, list | tuple):
        raise ImproperlyConfigured(
            f"Route {route!r} got a list of routes as its view; wrap it: include([...])."
        )
    if inspect.isclass(view):
        name = view.__name__
        raise ImproperlyConfigured(
            f"Route {route!r} got the class {name} as its view; did you mean {name}.as_view()?"
        )
    if isinstance(view, str):
        raise ImproperlyConfigured(
            f"Route {route!r} got the string {view!r} as its view; import the view and pass "
            "the function itself (or include('module.urls') to mount a URL module)."
        )
    if not callable(view):
        raise ImproperlyConfigured(
            f"Route {route!r} got {view!r} as its view; pass a view function, "
            "MyView.as_view() or include(...)."
        )


def _check_kwargs(kwargs: Mapping[str, Any] | None, route: str) -> dict[str, Any]:
    if kwargs is None:
        return {}
    if not isinstance(kwargs, Mapping):
        raise ImproperlyConfigured(
            f"Route {route!r} got kwargs={kwargs!r}; default kwargs must be a dict."
        )
    return dict(kwargs)


def _check_name(name: str | None, route: str) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name or ":" in name:
        raise ImproperlyConfigured(
            f"Route {route!r} has name={name!r}; a route name is a non-empty string without "
            "':' (':' separates namespaces, set them with include(..., namespace=...))."
        )
    return name


def _check_namespace(label: str) -> None:
    if not isinstance(label, str) or not label or ":" in label:
        raise ImproperlyConfigured(
            f"{label!r} is not a valid app_name or namespace; use a non-empty string without ':'."
        )


def _check_leading_slash(text: str, leading: bool) -> None:
    if leading:
        raise ImproperlyConfigured(
            f"Route {text!r} starts with '/'; drop the leading slash: routes are written "
            f"without it, as in Django (path('items/', ...) matches '/items/')."
        )


def _check_route_text(route: str) -> None:
    if not isinstance(route, str):
        raise ImproperlyConfigured(f"path() takes a route string, not {route!r}.")
    _check_leading_slash(route, route.startswith("/"))
    if route.startswith("^") or route.endswith("$") or "(?P<" in route:
        raise ImproperlyConfigured(
            f"Route {route!r} looks like a regular expression; path() takes plain text with "
            "<converter:name> parameters, use re_path() for a regex."
        )


def _parse_route(route: str) -> tuple[tuple[str | Param, ...], dict[str, Converter]]:
    parts: list[str | Param] = []
    converters: dict[str, Converter] = {}
    rest = route
    while rest:
        literal, _, rest = rest.partition("<")
        _check_literal(literal, route)
        if literal:
            parts.append(literal)
        if not _:
            break
        inside, closed, rest = rest.partition(">")
        if not closed or "<" in inside:
            raise ImproperlyConfigured(_syntax_error(route, "has a '<' without a matching '>'"))
        name, converter = _parse_parameter(inside, route)
        if name in converters:
            raise ImproperlyConfigured(
                f"Route {route!r} uses the parameter name {name!r} more than once; give each "
                "parameter a unique name."
            )
        converters[name] = converter
        parts.append(Param(name))
    return tuple(parts), converters


def _check_literal(literal: str, route: str) -> None:
    if ">" in literal:
        raise ImproperlyConfigured(_syntax_error(route, "has a '>' without a matching '<'"))


def _parse_parameter(inside: str, route: str) -> tuple[str, Converter]:
    if any(char.isspace() for char in inside):
        raise ImproperlyConfigured(_syntax_error(route, "has whitespace inside <...>"))
    type_name, _, name = inside.rpartition(":")
    type_name = type_name if _ else "str"
    if not type_name or ":" in type_name or not name:
        raise ImproperlyConfigured(_syntax_error(route, f"has a malformed parameter <{inside}>"))
    if not name.isidentifier():
        raise ImproperlyConfigured(
            f"Route {route!r} uses the parameter name {name!r}, which is not a valid Python "
            "identifier; use a name like 'item_id'."
        )
    try:
        return name, get_converter(type_name)
    except KeyError:
        known = ", ".join(sorted(get_converters()))
        raise ImproperlyConfigured(
            f"Route {route!r} uses the unknown converter {type_name!r}; use one of {known}, "
            f"or call register_converter(MyConverter, {type_name!r}) before defining the route."
        ) from None


def _syntax_error(route: str, problem: str) -> str:
    return (
        f"Route {route!r} {problem}; write parameters as <name> or <converter:name>, "
        "e.g. 'items/<int:item_id>/'."
    )


def _describe(view: object) -> str:
    module = getattr(view, "__module__", None)
    name = getattr(view, "__qualname__", None) or getattr(view, "__name__", None)
    return f"{module}.{name}" if module and name else repr(view)

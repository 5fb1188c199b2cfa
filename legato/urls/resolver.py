"""Match a request path to its view through a URL table compiled once.

`Resolver(urlpatterns)` flattens includes (_tree.py), compiles every route
(_endpoint.py) and builds, per table (http, websocket): a dict of static paths and a
segment index of the dynamic routes (_segments.py). A lookup is one dict probe, then
only the dynamic routes whose segments the path can have, in declaration order. Django's
first-declared-wins order holds exactly: a static route that an earlier dynamic route
also matches is dropped from the dict at compile time, so that route wins. Sync views
are adapted once here, by the app's `adapt_view`, never per request. Reversing lives in
_reverser.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from legato.urls._endpoint import (
    DynamicEndpoint,
    Endpoint,
    RouteInfo,
    compile_endpoint,
    func_path,
)
from legato.urls._errors import NoReverseMatch, Resolver404
from legato.urls._reverser import Reverser
from legato.urls._segments import SegmentIndex
from legato.urls._tree import flatten
from legato.urls.patterns import View, load_urlpatterns

__all__ = ["NoReverseMatch", "Resolver", "Resolver404", "ResolverMatch", "RouteInfo"]


class ResolverMatch:
    """What resolve() found: the view, its arguments and the route's names.

    `func` is the view as written, `callback` the one the app calls (sync views wrapped
    for the thread pool). Unpacks like Django's: `func, args, kwargs = match`.
    """

    __slots__ = ("_endpoint", "args", "callback", "captured_kwargs", "func", "kwargs")

    def __init__(
        self,
        endpoint: Endpoint,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        captured_kwargs: dict[str, Any],
    ) -> None:
        self._endpoint = endpoint
        self.func = endpoint.func
        self.callback = endpoint.callback
        self.args = args
        self.kwargs = kwargs
        self.captured_kwargs = captured_kwargs

    @property
    def url_name(self) -> str | None:
        return self._endpoint.url_name

    @property
    def app_names(self) -> list[str]:
        return list(self._endpoint.app_names)

    @property
    def app_name(self) -> str:
        return self._endpoint.app_name

    @property
    def namespaces(self) -> list[str]:
        return list(self._endpoint.namespaces)

    @property
    def namespace(self) -> str:
        return self._endpoint.namespace

    @property
    def view_name(self) -> str:
        return self._endpoint.view_name

    @property
    def route(self) -> str:
        return self._endpoint.route

    @property
    def extra_kwargs(self) -> dict[str, Any]:
        return dict(self._endpoint.defaults)

    def __getitem__(self, index: int) -> Any:
        return (self.func, self.args, self.kwargs)[index]

    def __iter__(self) -> Iterator[Any]:
        return iter((self.func, self.args, self.kwargs))

    def __repr__(self) -> str:
        # Django's form: a partial shows its arguments, and the captured and extra
        # kwargs appear only when there are some.
        func = repr(self.func) if isinstance(self.func, functools.partial) else func_path(self.func)
        captured = f", captured_kwargs={self.captured_kwargs!r}" if self.captured_kwargs else ""
        extra = f", extra_kwargs={self.extra_kwargs!r}" if self._endpoint.defaults else ""
        return (
            f"ResolverMatch(func={func}, args={self.args!r}, kwargs={self.kwargs!r}, "
            f"url_name={self.url_name!r}, app_names={self.app_names!r}, "
            f"namespaces={self.namespaces!r}, route={self.route!r}{captured}{extra})"
        )


class _Table:
    """The routes of one kind (http or websocket), ready for lookup."""

    __slots__ = ("index", "static", "tried")

    def __init__(self, endpoints: list[Endpoint]) -> None:
        dynamic = [e for e in endpoints if isinstance(e, DynamicEndpoint)]
        self.index: SegmentIndex[DynamicEndpoint] = SegmentIndex((e.key, e) for e in dynamic)
        self.static: dict[str, Endpoint] = {}
        claimed: set[str] = set()
        for endpoint in endpoints:
            path = endpoint.static_path()
            if path is None or path in claimed:
                continue  # an earlier static route with the same path wins
            claimed.add(path)
            if not self._shadowed(endpoint, path):
                self.static[path] = endpoint
        self.tried = tuple(e.info for e in endpoints)

    def _shadowed(self, endpoint: Endpoint, path: str) -> bool:
        return any(
            other.index < endpoint.index and other.match(path) is not None
            for other in self.index.candidates(path)
        )

    def match(self, path: str) -> ResolverMatch | None:
        endpoint = self.static.get(path)
        if endpoint is not None:
            return ResolverMatch(endpoint, (), dict(endpoint.defaults), {})
        for endpoint in self.index.candidates(path):
            found = endpoint.match(path)
            if found is not None:
                return ResolverMatch(endpoint, *found)
        return None


class Resolver:
    """A compiled URL table: resolve(), resolve_websocket(), reverse(), routes()."""

    __slots__ = ("_http", "_reverser", "_routes", "_websocket", "urlpatterns")

    def __init__(self, urlpatterns: Any, adapt_view: Callable[[View], View] | None = None) -> None:
        """Compile `urlpatterns`: a list of routes, a module or a dotted module path.

        `adapt_view` is applied once to each HTTP route's view; websocket handlers are
        always async and are kept as they are.
        """
        self.urlpatterns, _ = load_urlpatterns(urlpatterns)
        flat, namespaces = flatten(self.urlpatterns)
        http = [compile_endpoint(route, adapt_view) for route in flat if route.kind == "http"]
        websocket = [compile_endpoint(route, None) for route in flat if route.kind != "http"]
        self._http = _Table(http)
        self._websocket = _Table(websocket)
        self._reverser = Reverser(namespaces)
        self._routes = [e.info for e in sorted(http + websocket, key=lambda e: e.index)]

    def resolve(self, path: str) -> ResolverMatch:
        """Match `path` (path_info with its leading "/"); raise Resolver404 if nothing does."""
        match = self._http.match(path)
        if match is None:
            raise Resolver404(path, self._http.tried)
        return match

    def resolve_websocket(self, path: str) -> ResolverMatch:
        match = self._websocket.match(path)
        if match is None:
            raise Resolver404(path, self._websocket.tried)
        return match

    def should_append_slash(self, path: str) -> bool:
        """True when only `path + "/"` resolves (Django's APPEND_SLASH redirect)."""
        if path.endswith("/") or self._http.match(path) is not None:
            return False
        match = self._http.match(path + "/")
        # Django's @no_append_slash marks views that must not be reached by redirect.
        return match is not None and getattr(match.func, "should_append_slash", True) is not False

    def reverse(
        self,
        viewname: str | Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        current_app: str | None = None,
        *,
        prefix: str = "/",
    ) -> str:
        """Build the URL of a route name ("name", "ns:name") or view; NoReverseMatch if none.

        `prefix` starts the URL: the script prefix ("/mount/") of a mounted app. The
        module-level reverse() passes the one of the request being served.
        """
        return self._reverser.reverse(viewname, args, kwargs, current_app, prefix)

    def routes(self) -> list[RouteInfo]:
        """Every route, http and websocket, in declaration order."""
        return list(self._routes)

    def __repr__(self) -> str:
        return f"<Resolver: {len(self._routes)} routes>"

"""Build URLs from route names, for the app serving the current request or a given one.

Inside a request the handler sets `current_resolver` (a ContextVar, so concurrent
requests of different apps never see each other's table), and `reverse("name")` needs
nothing else. Outside a request, pass `urlconf=`: an App, a Resolver, a list of routes
or a dotted module path. `reverse_lazy` defers the lookup until the value is used as a
string, for module-level and class-level constants.

The script prefix is where the app is mounted ("/shop/" under ASGI `root_path` or WSGI
`SCRIPT_NAME` "/shop", or `App(force_script_name=...)`); every URL reverse() builds
starts with it, as in Django. The handlers set it per request in `current_script_prefix`
(another ContextVar), and only for a request that has one, so an app at "/" pays nothing:
unset means "/".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar, Token
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from legato.exceptions import ImproperlyConfigured
from legato.http.querydict import QueryDict
from legato.urls.resolver import Resolver

__all__ = [
    "LazyURL",
    "current_resolver",
    "current_script_prefix",
    "get_script_prefix",
    "reverse",
    "reverse_lazy",
    "script_prefix",
    "set_current_resolver",
    "set_script_prefix",
]

Query = Mapping[str, Any] | Sequence[tuple[str, Any]]

current_resolver: ContextVar[Resolver | None] = ContextVar("current_resolver", default=None)
current_script_prefix: ContextVar[str] = ContextVar("current_script_prefix", default="/")


def set_current_resolver(resolver: Resolver | None) -> Token[Resolver | None]:
    """Make `resolver` the default for reverse() in this context; reset with the token."""
    return current_resolver.set(resolver)


def get_script_prefix() -> str:
    """The prefix URLs of the request being served start with: "/" or "/mount/"."""
    return current_script_prefix.get()


def set_script_prefix(prefix: str) -> Token[str]:
    """Make URLs built in this context start with `prefix`; reset with the token.

    The handlers call it for each request served under a prefix; call it yourself to
    build URLs outside a request as a mounted app serves them.
    """
    return current_script_prefix.set(script_prefix(prefix))


def script_prefix(script_name: str) -> str:
    """The script prefix for a mount point: "/shop" and "/shop/" give "/shop/"."""
    return script_name if script_name.endswith("/") else script_name + "/"


def reverse(
    viewname: str | Callable[..., Any],
    urlconf: Any = None,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    current_app: str | None = None,
    *,
    query: Query | None = None,
    fragment: str | None = None,
) -> str:
    """Return the path ("/blog/2024/") of route `viewname` ("name", "ns:name" or a view).

    `query` (a dict, a QueryDict or a list of pairs; a value may be a list) becomes the
    query string, encoded; `fragment` is appended after "#" as it is, as in Django.
    """
    url = resolver_for(urlconf).reverse(
        viewname, args, kwargs, current_app, prefix=current_script_prefix.get()
    )
    if query is not None:
        encoded = query.urlencode() if isinstance(query, QueryDict) else urlencode(query, True)
        if encoded:
            url += "?" + encoded
    if fragment is not None:
        url += "#" + fragment
    return url


class LazyURL:
    """A reverse() that runs each time the value is used as a string."""

    __slots__ = ("_arguments",)

    def __init__(self, *arguments: Any) -> None:
        self._arguments = arguments

    def __str__(self) -> str:
        *arguments, query, fragment = self._arguments
        return reverse(*arguments, query=query, fragment=fragment)

    def __repr__(self) -> str:
        return f"<LazyURL {self._arguments[0]!r}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyURL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def reverse_lazy(
    viewname: str | Callable[..., Any],
    urlconf: Any = None,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    current_app: str | None = None,
    *,
    query: Query | None = None,
    fragment: str | None = None,
) -> LazyURL:
    return LazyURL(viewname, urlconf, args, kwargs, current_app, query, fragment)


def resolver_for(urlconf: Any) -> Resolver:
    """The Resolver for `urlconf`, or for the request being served when it is None."""
    if urlconf is None:
        resolver = current_resolver.get()
        if resolver is None:
            raise ImproperlyConfigured(
                "reverse() has no URL table: it is called outside a request. Pass "
                "urlconf=app (or a Resolver, a urlpatterns list or a dotted module path)."
            )
        return resolver
    if isinstance(urlconf, Resolver):
        return urlconf
    attached = getattr(urlconf, "resolver", None)
    if isinstance(attached, Resolver):
        return attached
    if isinstance(urlconf, str | ModuleType | list | tuple):
        return Resolver(urlconf)
    raise ImproperlyConfigured(
        f"reverse(urlconf={urlconf!r}) is not a URL table; pass an App, a Resolver, a "
        "urlpatterns list or a dotted module path."
    )

"""Build URLs from route names, for the app serving the current request or a given one.

Inside a request the handler sets `current_resolver` (a ContextVar, so concurrent
requests of different apps never see each other's table), and `reverse("name")` needs
nothing else. Outside a request, pass `urlconf=`: an App, a Resolver, a list of routes
or a dotted module path. `reverse_lazy` defers the lookup until the value is used as a
string, for module-level and class-level constants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar, Token
from types import ModuleType
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.urls.resolver import Resolver

__all__ = [
    "LazyURL",
    "current_resolver",
    "reverse",
    "reverse_lazy",
    "set_current_resolver",
]

current_resolver: ContextVar[Resolver | None] = ContextVar("current_resolver", default=None)


def set_current_resolver(resolver: Resolver | None) -> Token[Resolver | None]:
    """Make `resolver` the default for reverse() in this context; reset with the token."""
    return current_resolver.set(resolver)


def reverse(
    viewname: str | Callable[..., Any],
    urlconf: Any = None,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """Return the path ("/blog/2024/") of route `viewname` ("name", "ns:name" or a view)."""
    return resolver_for(urlconf).reverse(viewname, args, kwargs, current_app)


class LazyURL:
    """A reverse() that runs each time the value is used as a string."""

    __slots__ = ("_arguments",)

    def __init__(self, *arguments: Any) -> None:
        self._arguments = arguments

    def __str__(self) -> str:
        return reverse(*self._arguments)

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
) -> LazyURL:
    return LazyURL(viewname, urlconf, args, kwargs, current_app)


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

"""URL patterns, converters, the compiled resolver and reverse()."""

from legato.urls.converters import register_converter
from legato.urls.patterns import include, path, re_path, websocket
from legato.urls.resolver import NoReverseMatch, Resolver, Resolver404, ResolverMatch
from legato.urls.reverse import get_script_prefix, reverse, reverse_lazy, set_script_prefix

__all__ = [
    "NoReverseMatch",
    "Resolver",
    "Resolver404",
    "ResolverMatch",
    "get_script_prefix",
    "include",
    "path",
    "re_path",
    "register_converter",
    "reverse",
    "reverse_lazy",
    "set_script_prefix",
    "websocket",
]

"""Resolve with the URL table a middleware chose for one request (`request.urlconf`).

Django lets a middleware set `request.urlconf` (a dotted module path, or anything Django
accepts) to serve a request from another URL table, and `reverse()` then builds URLs
from that table for the rest of the request. Legato compiles URL tables at start-up, so
a table named per request is compiled the first time it is used, with the app's view
adapter, and kept: one `Resolver` per module path or module, and per list of routes (by
identity, since a list cannot be hashed). At most `MAX_TABLES` are kept; past that, each
request compiles its own table, slowly but correctly, and a warning says so once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from legato.urls.resolver import Resolver

__all__ = ["MAX_TABLES", "RequestResolvers"]

logger = logging.getLogger("legato.request")

# Real apps switch between a handful of tables (one per host or tenant kind).
MAX_TABLES = 64


class RequestResolvers:
    """The compiled tables of the urlconfs requests have named, keyed by what they named."""

    def __init__(self, adapt_view: Callable[[Any], Any] | None) -> None:
        self._adapt_view = adapt_view
        # key -> (the urlconf, kept alive so that an id() key stays its own, its table)
        self._tables: dict[Any, tuple[Any, Resolver]] = {}
        self._lock = threading.Lock()  # WSGI threads compile concurrently
        self._warned = False

    def resolver_for(self, urlconf: Any) -> Resolver:
        """The compiled table of `urlconf`: a Resolver, or what `Resolver()` compiles."""
        if isinstance(urlconf, Resolver):
            return urlconf
        # A module path or a module by equality; anything else (a list of routes) by identity.
        key = urlconf if isinstance(urlconf, str | ModuleType) else id(urlconf)
        found = self._tables.get(key)
        if found is not None and (key is urlconf or found[0] is urlconf):
            return found[1]
        resolver = Resolver(urlconf, adapt_view=self._adapt_view)
        with self._lock:
            if len(self._tables) < MAX_TABLES:
                self._tables[key] = (urlconf, resolver)
            elif not self._warned:
                self._warned = True
                logger.warning(
                    "request.urlconf named more than %d different URL tables; each new one "
                    "is now compiled for its request alone. Set request.urlconf to a module "
                    "path or to a list defined once, not built per request.",
                    MAX_TABLES,
                )
        return resolver

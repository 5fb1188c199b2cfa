"""Name the two ways URL handling fails: no route for a path, no URL for a name.

Resolver404 is answered with 404 by the handler; `tried` lists the routes of the table
that was searched (http or websocket), for the debug page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from legato.http.response import Http404

if TYPE_CHECKING:
    from legato.urls._endpoint import RouteInfo

__all__ = ["NoReverseMatch", "Resolver404"]


class Resolver404(Http404):
    """No route matches `path`."""

    def __init__(self, path: str, tried: Sequence[RouteInfo] = ()) -> None:
        super().__init__(f"No route matches the path {path!r}.")
        self.path = path
        self.tried = tried


class NoReverseMatch(Exception):
    """reverse() found no route that builds a URL from the given name and arguments."""

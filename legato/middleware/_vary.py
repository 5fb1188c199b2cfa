"""Add a name to a response's `Vary` header, once, keeping what is there (Django's
`patch_vary_headers` for one header)."""

from __future__ import annotations

from legato.http.response_base import HttpResponseBase

__all__ = ["add_vary"]


def add_vary(response: HttpResponseBase, name: str) -> None:
    """Say that the response depends on the request header `name`."""
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
        return
    present = {item.strip().lower() for item in current.split(",")}
    if "*" not in present and name.lower() not in present:
        response.headers["Vary"] = f"{current}, {name}"

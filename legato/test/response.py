"""The response a test client returns: rebuilt from what the app sent over ASGI.

Besides the response, what Django's client adds: `request` (the ASGI scope sent, as
Django's `AsyncClient` gives, with the test's `url`), `resolver_match` (the path resolved
against the app's URLs when first read, as in Django), `redirect_chain`, `json()`; and,
for a body the app streamed, `streaming` and `streaming_content` (the chunks as sent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from legato.http.response import HttpResponse
from legato.urls.resolver import ResolverMatch

__all__ = ["TestResponse"]


class TestResponse(HttpResponse):
    """An HttpResponse made from the wire, plus `json()` and what Django's client adds."""

    __test__ = False  # not a pytest test class

    redirect_chain: list[tuple[str, int]]
    request: dict[str, Any]
    _resolve: Callable[[], ResolverMatch] | None = None
    _resolved: ResolverMatch | None = None
    _chunks: Sequence[bytes] | None = None

    @classmethod
    def from_asgi(
        cls,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        method: str,
        url: str,
        scope: dict[str, Any] | None = None,
        chunks: Sequence[bytes] | None = None,
        resolve: Callable[[], ResolverMatch] | None = None,
    ) -> TestResponse:
        """`chunks`: the body as streamed, when the app sent it in parts."""
        response = cls(body, status=status)
        for name in list(response.headers):
            del response.headers[name]
        for raw_name, raw_value in raw_headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            if name.lower() == "set-cookie":
                response.cookies.load(value)
            elif name in response.headers:
                response.headers[name] = f"{response.headers[name]}, {value}"
            else:
                response.headers[name] = value
        response.redirect_chain = []
        response.request = {**(scope or {}), "method": method, "url": url}
        response._resolve = resolve
        if chunks is not None:
            response.streaming = True
            response._chunks = chunks
        return response

    @property
    def resolver_match(self) -> ResolverMatch:
        """The request's path resolved against the app's URLs (resolved when first read).

        Raises Resolver404 for a path that matches no route, as Django's does.
        """
        if self._resolved is None:
            if self._resolve is None:
                raise AttributeError(
                    "resolver_match is known only for a Legato App's responses; this "
                    "response came from another ASGI app."
                )
            self._resolved = self._resolve()
        return self._resolved

    @property
    def streaming_content(self) -> Iterator[bytes]:
        """The body of a streamed response, chunk by chunk as the app sent it."""
        if self._chunks is None:
            raise AttributeError(
                "This response was not streamed, so it has no streaming_content: read `content`."
            )
        return iter(self._chunks)

    def __iter__(self) -> Iterator[bytes]:
        return self.streaming_content if self._chunks is not None else super().__iter__()

    def json(self) -> Any:
        content_type = self.headers.get("Content-Type", "")
        if "json" not in content_type:
            raise ValueError(f'Content-Type header is "{content_type}", not "application/json"')
        return orjson.loads(self.content)

    @property
    def url(self) -> str:
        return str(self.headers.get("Location", ""))

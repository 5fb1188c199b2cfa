"""The response a test client returns: rebuilt from what the app sent over ASGI."""

from __future__ import annotations

from typing import Any

import orjson

from legato.http.response import HttpResponse

__all__ = ["TestResponse"]


class TestResponse(HttpResponse):
    """An HttpResponse made from the wire, plus `json()` and `redirect_chain`."""

    __test__ = False  # not a pytest test class

    redirect_chain: list[tuple[str, int]]
    request: dict[str, str]

    @classmethod
    def from_asgi(
        cls,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        method: str,
        url: str,
    ) -> TestResponse:
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
        response.request = {"method": method, "url": url}
        return response

    def json(self) -> Any:
        content_type = self.headers.get("Content-Type", "")
        if "json" not in content_type:
            raise ValueError(f'Content-Type header is "{content_type}", not "application/json"')
        return orjson.loads(self.content)

    @property
    def url(self) -> str:
        return str(self.headers.get("Location", ""))

"""Send one request through ASGI and WSGI and fail on any difference: the parity helper.

`Both(factory)` builds the app twice from one factory: one copy is served through
`legato.test.Client` (the real ASGI entry point), the other through its WSGI callable,
driven as gunicorn would (`call_wsgi`). `request()` sends the same request to each and
asserts that status, headers, cookies and body are equal, then returns that one answer,
so a test states what the response should be once and holds both servers to it.
Tests reach it through the `both` fixture (tests/conftest.py), which closes every pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from legato import App
from legato.test import Client
from legato.test.encoding import MULTIPART_CONTENT, encode_body
from tests.handlers.test_wsgi import call_wsgi

AppFactory = Callable[[], App]


@dataclass(frozen=True)
class Exchange:
    """What a server sent back: header names lower-cased, cookies as Set-Cookie values."""

    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Both:
    """Send each request through ASGI and WSGI; return the one result they agree on."""

    def __init__(self, factory: AppFactory, script_name: str = "") -> None:
        """`script_name` mounts both copies there, as `uvicorn --root-path` and gunicorn's
        SCRIPT_NAME do; the URLs a test sends are then the paths below it."""
        app = factory()
        self.client = Client(
            mounted(app, script_name) if script_name else app, raise_request_exception=False
        )
        self.wsgi = factory().as_wsgi()
        self.script_name = script_name

    def close(self) -> None:
        self.client.close()
        self.wsgi.close()

    def get(
        self, url: str, headers: dict[str, str] | None = None, secure: bool = False
    ) -> Exchange:
        return self.request("GET", url, headers=headers, secure=secure)

    def post(
        self,
        url: str,
        data: Any = None,
        content_type: str = MULTIPART_CONTENT,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """POST `data` encoded as the test client would: a dict is a multipart form."""
        body, content_type_sent = encode_body(data, content_type)
        return self.request("POST", url, body, content_type_sent, headers)

    def request(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        secure: bool = False,
    ) -> Exchange:
        """Send one request to both servers; `secure` sends it over HTTPS."""
        headers = dict(headers or {})
        # A header on both sides: the test client would drop a GET's content type.
        if content_type is not None:
            headers["Content-Type"] = content_type
        asgi = self._asgi(method, url, body, headers, secure)
        wsgi = self._wsgi(method, url, body, headers, secure)
        assert asgi == wsgi, f"{method} {url}: ASGI and WSGI differ"
        return asgi

    def _asgi(
        self, method: str, url: str, body: bytes, headers: dict[str, str], secure: bool
    ) -> Exchange:
        self.client.cookies.clear()  # the WSGI side keeps no cookie jar either
        response = self.client.generic(method, url, body, None, headers=headers, secure=secure)
        return Exchange(
            response.status_code,
            {name.lower(): value for name, value in response.headers.items()},
            {key: morsel.OutputString() for key, morsel in response.cookies.items()},
            response.content,
        )

    def _wsgi(
        self, method: str, url: str, body: bytes, headers: dict[str, str], secure: bool
    ) -> Exchange:
        extra = {"wsgi.url_scheme": "https", "SERVER_PORT": "443"} if secure else {}
        if self.script_name:
            extra["SCRIPT_NAME"] = self.script_name
        result = call_wsgi(self.wsgi, method, url, body=body, headers=headers, **extra)
        jar: SimpleCookie = SimpleCookie()
        plain: dict[str, str] = {}
        for name, value in result.headers:
            if name.lower() == "set-cookie":
                jar.load(value)
            else:
                plain[name.lower()] = value
        cookies = {key: morsel.OutputString() for key, morsel in jar.items()}
        return Exchange(result.status, plain, cookies, result.body)


def mounted(app: App, root_path: str) -> Callable[..., Any]:
    """`app` mounted at `root_path` as uvicorn 0.55 mounts it: `path` includes the root."""

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            scope = {**scope, "root_path": root_path, "path": root_path + scope["path"]}
        await app(scope, receive, send)

    return serve


ServeBoth = Callable[..., Both]

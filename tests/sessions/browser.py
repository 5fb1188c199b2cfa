"""A cookie-keeping client over ASGI or WSGI, for tests that follow a session across requests.

The parity helper (tests/parity.py) compares answers byte for byte, which a session
cookie defeats (a new random key, a new signature each time). `Browser` sends requests
through one server, keeps the cookies a browser would, and shows the Set-Cookie lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest

from legato import App
from legato.test import Client
from tests.handlers.test_wsgi import call_wsgi


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; Set-Cookie left out
    set_cookies: dict[str, str]  # name -> the whole Set-Cookie line
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Browser:
    """Requests to one app through `server` ("asgi" or "wsgi"), with a cookie jar."""

    def __init__(self, app: App, server: str) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self._client = Client(app, raise_request_exception=False) if server == "asgi" else None
        self._wsgi = app.as_wsgi() if server == "wsgi" else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._wsgi is not None:
            self._wsgi.close()

    def get(self, url: str, **options: Any) -> Answer:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> Answer:
        return self.request("POST", url, **options)

    def request(
        self, method: str, url: str, headers: dict[str, str] | None = None, secure: bool = False
    ) -> Answer:
        headers = dict(headers or {})
        if self.cookies and "Cookie" not in headers:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self._send(method, url, headers, secure)
        for name, line in answer.set_cookies.items():
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            morsel = jar[name]
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return answer

    def _send(self, method: str, url: str, headers: dict[str, str], secure: bool) -> Answer:
        if self._client is not None:
            self._client.cookies.clear()  # this jar is the one that counts
            response = self._client.generic(method, url, b"", None, headers=headers, secure=secure)
            return Answer(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"},
                {key: morsel.OutputString() for key, morsel in response.cookies.items()},
                response.content,
            )
        extra = {"wsgi.url_scheme": "https", "SERVER_PORT": "443"} if secure else {}
        result = call_wsgi(self._wsgi, method, url, headers=headers, **extra)
        plain: dict[str, str] = {}
        set_cookies: dict[str, str] = {}
        for name, value in result.headers:
            if name.lower() == "set-cookie":
                set_cookies[value.split("=", 1)[0]] = value
            else:
                plain[name.lower()] = value
        return Answer(result.status, plain, set_cookies, result.body)


@pytest.fixture(params=["asgi", "wsgi"])
def browse(request: pytest.FixtureRequest) -> Iterator[Callable[[App], Browser]]:
    """`browse(app)`: a Browser over ASGI, then (second run) over WSGI."""
    browsers: list[Browser] = []

    def make(app: App) -> Browser:
        browser = Browser(app, request.param)
        browsers.append(browser)
        return browser

    yield make
    for browser in browsers:
        browser.close()

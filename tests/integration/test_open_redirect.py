"""APPEND_SLASH on real servers: a path that starts with "//" is never redirected off-site.

The servers decode the request target themselves (`/%2F/x` arrives as `///x`), so this is
checked with raw request lines on uvicorn and granian (`legato run`) and gunicorn
(`as_wsgi()`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from legato.http import url_has_allowed_host_and_scheme
from tests.integration.servers import SERVERS, gunicorn_process, legato_server, server_options

pytestmark = pytest.mark.integration

TARGETS = ["//evil.example", "///evil.example", "/%2F/evil.example", "//evil.example/x"]


@pytest.fixture(scope="module", params=[*SERVERS, "gunicorn"])
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param in SERVERS:
        options = server_options(request.param)
        with legato_server("tests.integration.apps.flatpages:app", *options) as url:
            yield url
    else:
        with gunicorn_process("tests.integration.apps.flatpages:application") as (url, _):
            yield url


def location_for(base_url: str, target: str) -> tuple[int, str]:
    parts = urlsplit(base_url)
    raw = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(raw.encode())
        head = b""
        while b"\r\n\r\n" not in head and (chunk := sock.recv(4096)):
            head += chunk
    lines = head.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers.get("location", headers.get("Location", ""))


@pytest.mark.parametrize("target", TARGETS)
def test_slash_redirect_stays_on_the_site(base_url: str, target: str) -> None:
    status, location = location_for(base_url, target)
    assert status == 301
    assert location.startswith("/%2F"), location
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"127.0.0.1"})

"""An app mounted under a prefix on real servers: uvicorn with --root-path, granian with
--url-path-prefix, gunicorn with SCRIPT_NAME, and App(force_script_name=...) behind a
proxy that strips the prefix. Each server answers a handful of requests; the links it
builds must carry the prefix. The ASGI servers are started with their own command lines
and with `legato run --root-path`, which passes the prefix to either."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest

from tests.integration.servers import (
    SERVERS,
    free_port,
    legato_server,
    running,
    server_options,
)

pytestmark = pytest.mark.integration

MODULE = "tests.integration.apps.mounted"


@contextmanager
def uvicorn(target: str, *options: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port)]
    command += ["--host", "127.0.0.1", "--log-level", "warning", *options]
    base = f"http://127.0.0.1:{port}"
    with running(command, base + "/"):
        yield base


@contextmanager
def granian(target: str, *options: str) -> Iterator[str]:
    pytest.importorskip("granian", reason="granian is not installed (make installs it)")
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "asgi", target]
    command += ["--port", str(port), "--host", "127.0.0.1", "--log-level", "warning", *options]
    base = f"http://127.0.0.1:{port}"
    with running(command, base + "/"):
        yield base


def asgi_server(
    server: str, target: str, root_path: str | None = None
) -> AbstractContextManager[str]:
    """Serve `target` on uvicorn or granian, told that a proxy stripped `root_path`."""
    if server == "granian":
        return granian(target, *(("--url-path-prefix", root_path) if root_path else ()))
    return uvicorn(target, *(("--root-path", root_path) if root_path else ()))


@contextmanager
def gunicorn(target: str, script_name: str | None) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--workers", "1", target]
    env = {"SCRIPT_NAME": script_name} if script_name is not None else {}
    # gunicorn refuses a path outside SCRIPT_NAME: probe the mount point itself.
    with running(command, base + (script_name or "/"), env=env):
        yield base


def answers(base: str, prefix: str) -> dict[str, tuple[int, str]]:
    """What each URL of the app answers, requested at `prefix` (what reaches the server)."""
    found = {}
    with httpx.Client(base_url=base, timeout=10) as client:
        for url in ("/", "/where/", "/where", "/go/"):
            response = client.get(prefix.rstrip("/") + url)
            found[url] = (response.status_code, response.headers.get("location", response.text))
    return found


def expected(mount: str) -> dict[str, tuple[int, str]]:
    return {
        "/": (200, f"{mount}/items/3/"),
        "/where/": (200, f"{mount}|{mount}/where/|/where/|{mount}/"),
        "/where": (301, f"{mount}/where/"),
        "/go/": (302, f"{mount}/items/4/"),
    }


@pytest.mark.parametrize("root_path", ["/prefix", "/prefix/"])
@pytest.mark.parametrize("server", SERVERS)
def test_root_path_behind_a_proxy_that_strips_it(server: str, root_path: str) -> None:
    # The server's root path says what the proxy stripped: the client's /prefix/where/
    # reaches the server as /where/. uvicorn 0.55 puts the root back into `path`,
    # granian 2.8 does not: the app must read both alike.
    with asgi_server(server, f"{MODULE}:app", root_path) as base:
        assert answers(base, "") == expected("/prefix")


@pytest.mark.parametrize("root_path", ["/prefix", "/prefix/"])
@pytest.mark.parametrize("server", SERVERS)
def test_legato_run_root_path(server: str, root_path: str) -> None:
    options = ("--root-path", root_path, *server_options(server))
    with legato_server(f"{MODULE}:app", *options) as base:
        assert answers(base, "") == expected("/prefix")


@pytest.mark.parametrize("script_name", ["/prefix", "/prefix/"])
def test_gunicorn_script_name(script_name: str) -> None:
    with gunicorn(f"{MODULE}:application", script_name) as base:
        assert answers(base, "/prefix") == expected("/prefix")


@pytest.mark.parametrize("server", SERVERS)
def test_force_script_name_under_asgi(server: str) -> None:
    with asgi_server(server, f"{MODULE}:forced_app") as base:
        assert answers(base, "") == expected("/shop")


def test_force_script_name_under_wsgi() -> None:
    with gunicorn(f"{MODULE}:forced_application", None) as base:
        assert answers(base, "") == expected("/shop")


@pytest.mark.parametrize("server", SERVERS)
def test_an_app_at_the_root_builds_plain_urls_under_asgi(server: str) -> None:
    with asgi_server(server, f"{MODULE}:app") as base:
        assert answers(base, "") == expected("")


def test_an_app_at_the_root_builds_plain_urls_under_wsgi() -> None:
    with gunicorn(f"{MODULE}:application", None) as base:
        assert answers(base, "") == expected("")

"""An app mounted under a prefix on real servers: uvicorn with --root-path, gunicorn with
SCRIPT_NAME, and App(force_script_name=...) behind a proxy that strips the prefix. Each
server answers a handful of requests; the links it builds must carry the prefix."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.integration.servers import free_port, running

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
def test_uvicorn_root_path_behind_a_proxy_that_strips_it(root_path: str) -> None:
    # uvicorn's --root-path says what the proxy stripped: the client's /prefix/where/
    # reaches uvicorn as /where/, and uvicorn 0.55 puts the root back into `path`.
    with uvicorn(f"{MODULE}:app", "--root-path", root_path) as base:
        assert answers(base, "") == expected("/prefix")


@pytest.mark.parametrize("script_name", ["/prefix", "/prefix/"])
def test_gunicorn_script_name(script_name: str) -> None:
    with gunicorn(f"{MODULE}:application", script_name) as base:
        assert answers(base, "/prefix") == expected("/prefix")


def test_force_script_name_under_both_servers() -> None:
    with uvicorn(f"{MODULE}:forced_app") as base:
        assert answers(base, "") == expected("/shop")
    with gunicorn(f"{MODULE}:forced_application", None) as base:
        assert answers(base, "") == expected("/shop")


def test_an_app_at_the_root_builds_plain_urls() -> None:
    with uvicorn(f"{MODULE}:app") as base:
        assert answers(base, "") == expected("")
    with gunicorn(f"{MODULE}:application", None) as base:
        assert answers(base, "") == expected("")

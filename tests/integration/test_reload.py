"""`legato run --reload` serves the new code once a module changes, on both servers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import (
    SERVERS,
    free_port,
    legato_command,
    output_of,
    running,
    server_options,
)

pytestmark = pytest.mark.integration

MODULE = """\
from legato import App
from legato.http import JsonResponse
from legato.urls import path


async def version(request):
    return JsonResponse({{"version": {version}}})


app = App(urlpatterns=[path("", version)])
"""


@pytest.mark.parametrize("server", SERVERS)
def test_reload_serves_the_changed_module(server: str, tmp_path: Path) -> None:
    source = tmp_path / "reloaded.py"
    source.write_text(MODULE.format(version=1))
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = legato_command("reloaded:app", port, "--reload", *server_options(server))
    # The app's directory is the working directory: the one both servers watch.
    with running(command, base, cwd=tmp_path) as process:
        assert httpx.get(base).json() == {"version": 1}
        source.write_text(MODULE.format(version=2))
        deadline = time.monotonic() + 20
        seen = None
        while time.monotonic() < deadline:
            try:
                seen = httpx.get(base, timeout=2).json()
            except httpx.TransportError:  # between the old worker and the new one
                seen = None
            if seen == {"version": 2}:
                break
            time.sleep(0.2)
        assert seen == {"version": 2}, output_of(process)

"""The stall detector on real servers: a blocked event loop is named, view and line."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.servers import (
    SERVERS,
    gunicorn_process,
    legato_process,
    output_of,
    server_options,
)

pytestmark = pytest.mark.integration

ENV = {"LEGATO_STALL_THRESHOLD": "0.1"}
APP = "tests/integration/apps/stalls.py"


@pytest.fixture(scope="module", params=[*SERVERS, "gunicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, object]]:
    if request.param in SERVERS:
        options = server_options(request.param)
        with legato_process("tests.integration.apps.stalls:app", *options, env=ENV) as started:
            yield started
    else:
        target = "tests.integration.apps.stalls:application"
        with gunicorn_process(
            target, "--worker-class", "gthread", "--threads", "4", env=ENV
        ) as started:
            yield started


def stall_lines_after(process: object, route: str, base_url: str) -> list[str]:
    seen = output_of(process).count("Event loop blocked")  # type: ignore[arg-type]
    httpx.get(base_url + route, timeout=10)
    time.sleep(0.3)  # the warning is logged when the loop turns again
    lines = [
        line
        for line in output_of(process).splitlines()  # type: ignore[arg-type]
        if "Event loop blocked" in line
    ]
    return lines[seen:]


@pytest.mark.parametrize(
    ("route", "view", "line"),
    [
        ("/sleep/", "sleeps_in_async_view", "time.sleep(0.3)  # the mistake"),
        ("/compute/", "computes_in_async_view", "while time.monotonic() < deadline:"),
    ],
)
def test_blocking_view_is_named_once_with_its_line(
    server: tuple[str, object], route: str, view: str, line: str
) -> None:
    base_url, process = server
    lines = stall_lines_after(process, route, base_url)
    assert len(lines) == 1, lines
    assert f"in view tests.integration.apps.stalls.{view} (GET {route})" in lines[0]
    assert f"{APP}:" in lines[0]
    assert line in lines[0]


def test_awaiting_and_many_short_requests_log_nothing(server: tuple[str, object]) -> None:
    base_url, process = server
    assert stall_lines_after(process, "/await/", base_url) == []
    seen = output_of(process).count("Event loop blocked")  # type: ignore[arg-type]
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for _ in range(1000):
            assert client.get("/hello/").status_code == 200
    time.sleep(0.3)
    assert output_of(process).count("Event loop blocked") == seen  # type: ignore[arg-type]

"""The social example on two `legato run` processes (uvicorn, then granian) sharing one
redis-server (channel layer and sessions) and one PostgreSQL: a user logged in on worker
A posts, and a follower whose live feed is open on worker B sees the post arrive."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest

from tests.integration.postgres import postgres_server
from tests.integration.servers import SERVERS
from tests.integration.social import two_social_workers

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module", params=SERVERS)
def two_workers(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with (
        postgres_server() as database_url,
        two_social_workers(request.param, database_url) as workers,
    ):
        yield workers


@contextmanager
def account(base: str, username: str) -> Iterator[httpx.Client]:
    """A client of `base` signed up (which logs in) as `username`."""
    with httpx.Client(base_url=base, timeout=10) as client:
        form = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
        signed_up = client.post("/accounts/signup/", data=form)
        assert (signed_up.status_code, signed_up.headers["Location"]) == (302, "/"), signed_up.text
        yield client


def next_event(lines: Iterator[str], kind: str) -> dict[str, Any]:
    """The data of the next event named `kind` (a stream's reads time out after 10 s)."""
    name = None
    for _, line in zip(range(200), lines, strict=False):
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name == kind:
            return orjson.loads(line.removeprefix("data: "))  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind!r} event in the stream")


def test_a_post_on_one_worker_reaches_a_follower_connected_to_the_other(
    two_workers: tuple[str, str],
) -> None:
    first, second = two_workers
    with account(first, "alice") as alice, account(second, "bob") as bob:
        assert bob.post("/u/alice/follow/").status_code == 302
        with bob.stream("GET", "/feed/events/") as events:
            assert events.status_code == 200
            lines = events.iter_lines()
            assert next_event(lines, "ready") == {"type": "ready"}
            posted = alice.post("/posts/", data={"text": "across workers <i>live</i>"})
            assert posted.status_code == 302
            live = next_event(lines, "post")
    assert (live["author"], live["text"]) == ("alice", "across workers <i>live</i>")


def test_a_session_made_on_one_worker_is_valid_on_the_other(
    two_workers: tuple[str, str],
) -> None:
    first, second = two_workers
    with account(first, "carol") as carol:
        carol.post("/posts/", data={"text": "written on the first worker"})
        home = httpx.get(f"{second}/", cookies=carol.cookies, timeout=10)
    assert home.status_code == 200
    assert "@carol" in home.text
    assert "written on the first worker" in home.text


def test_logging_out_on_one_worker_ends_the_session_on_the_other(
    two_workers: tuple[str, str],
) -> None:
    first, second = two_workers
    with account(first, "dave") as dave:
        cookies = httpx.Cookies(dave.cookies)
        assert dave.post("/accounts/logout/").status_code == 302
    assert httpx.get(f"{second}/", cookies=cookies, timeout=10).status_code == 302

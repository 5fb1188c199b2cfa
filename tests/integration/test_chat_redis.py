"""Two `legato run` processes share one real redis-server: a message sent to one reaches
a websocket client connected to the other, and so do presence and the SSE + POST fallback.
Both processes run on uvicorn, then both on granian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.channels.redis_server import running_redis
from tests.integration.servers import SERVERS, legato_process, server_options

pytestmark = pytest.mark.integration

APP = "examples.chat.app:app"


@pytest.fixture(scope="module", params=SERVERS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    options = server_options(request.param)
    database = Path(tmp_path_factory.mktemp("chat")) / "chat.sqlite3"
    with running_redis() as redis_url:
        env = {
            "LEGATO_CHANNELS_URL": redis_url,
            "LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        }
        # One after the other: the second finds the tables the first created.
        with (
            legato_process(APP, *options, env=env) as (first, _),
            legato_process(APP, *options, env=env) as (second, _),
        ):
            yield first, second


def ws_url(base: str, room: str, nick: str) -> str:
    return f"{base.replace('http://', 'ws://')}/rooms/{room}/socket/?nick={nick}"


def next_event(ws: ClientConnection, kind: str, **fields: object) -> dict[str, Any]:
    for _ in range(20):
        event: dict[str, Any] = orjson.loads(ws.recv(timeout=5))
        if event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
            return event
    raise AssertionError(f"no {kind!r} event with {fields}")


def test_a_message_sent_to_one_process_reaches_a_client_of_the_other(
    two_workers: tuple[str, str],
) -> None:
    first, second = two_workers
    with connect(ws_url(first, "lobby", "alice")) as alice:
        # Bob connects only once Alice's join is stored, or his welcome may predate it.
        next_event(alice, "welcome")
        with connect(ws_url(second, "lobby", "bob")) as bob:
            _exchange_across_workers(alice, bob)
    _check_shared_history(first, second)


def _exchange_across_workers(alice: ClientConnection, bob: ClientConnection) -> None:
    assert next_event(bob, "welcome")["online"] == ["alice", "bob"]
    assert next_event(alice, "presence", joined="bob")["online"] == ["alice", "bob"]
    alice.send(orjson.dumps({"type": "message", "text": "across workers"}).decode())
    heard = next_event(bob, "message")
    assert (heard["nick"], heard["text"]) == ("alice", "across workers")
    bob.send(orjson.dumps({"type": "message", "text": "and back"}).decode())
    assert next_event(alice, "message", nick="bob")["text"] == "and back"


def _check_shared_history(first: str, second: str) -> None:
    # Both processes read the same database: the history is the same on either.
    for base in (first, second):
        texts = [m["text"] for m in httpx.get(f"{base}/rooms/lobby/history/").json()["messages"]]
        assert texts[-2:] == ["across workers", "and back"]


def test_leaving_one_process_updates_presence_on_the_other(two_workers: tuple[str, str]) -> None:
    first, second = two_workers
    with connect(ws_url(first, "presence", "carol")) as carol:
        next_event(carol, "welcome")
        with connect(ws_url(second, "presence", "dave")) as dave:
            next_event(dave, "welcome")
            next_event(carol, "presence", joined="dave")
        assert next_event(carol, "presence", left="dave")["online"] == ["carol"]


def test_post_to_one_process_reaches_server_sent_events_on_the_other(
    two_workers: tuple[str, str],
) -> None:
    first, second = two_workers
    url = f"{second}/rooms/fallback/events/?nick=erin"
    with httpx.stream("GET", url, timeout=10) as events:
        lines = events.iter_lines()
        assert _next_data(lines)["type"] == "welcome"
        posted = httpx.post(
            f"{first}/rooms/fallback/messages/", json={"nick": "frank", "text": "via POST"}
        )
        assert posted.status_code == 201
        for _ in range(10):
            event = _next_data(lines)
            if event["type"] == "message":
                assert (event["nick"], event["text"]) == ("frank", "via POST")
                return
    raise AssertionError("the POSTed message never arrived over SSE")


def _next_data(lines: Iterator[str]) -> dict[str, Any]:
    for line in lines:
        if line.startswith("data: "):
            return orjson.loads(line[6:])  # type: ignore[no-any-return]
    raise AssertionError("the event stream ended")

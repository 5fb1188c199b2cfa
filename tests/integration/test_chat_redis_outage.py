"""The chat on two `legato run` workers (uvicorn, then granian) while its redis-server
goes away and comes back.

Stopped Redis (the process exits): a publisher hears at once that its message is saved but
not delivered, subscribers stay connected, and once Redis is back a subscriber that
stayed connected gets new messages again and can tell, from "after", what it missed.
Paused Redis (SIGSTOP: connections open, no answers, as behind a network partition): a
publisher gets its answer within the socket timeout, never a hang.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.channels.redis_server import redis_process
from tests.integration.servers import SERVERS, free_port, legato_process, server_options
from tests.integration.test_chat_redis import next_event, ws_url

pytestmark = pytest.mark.integration

APP = "examples.chat.app:app"


@contextmanager
def two_workers(server: str, redis_url: str, database: Path) -> Iterator[tuple[str, str]]:
    options = server_options(server)
    env = {
        "LEGATO_CHANNELS_URL": redis_url,
        "LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    with (
        legato_process(APP, *options, env=env) as (first, _),
        legato_process(APP, *options, env=env) as (second, _),
    ):
        yield first, second


def say(ws: ClientConnection, text: str) -> None:
    ws.send(orjson.dumps({"type": "message", "text": text}).decode())


def post(base: str, room: str, text: str) -> httpx.Response:
    return httpx.post(f"{base}/rooms/{room}/messages/", json={"nick": "poster", "text": text})


def close_code(ws: ClientConnection, deadline: float = 5.0) -> int | None:
    """Read until the server closes the socket; its close code."""
    stop = time.monotonic() + deadline
    try:
        while time.monotonic() < stop:
            ws.recv(timeout=stop - time.monotonic())
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    raise AssertionError(f"the socket was still open after {deadline} s")


def history(base: str, room: str, after: int | None = None) -> list[str]:
    query = {} if after is None else {"after": after}
    answer = httpx.get(f"{base}/rooms/{room}/history/", params=query, timeout=5)
    return [message["text"] for message in answer.json()["messages"]]


def first_message_heard(ws: ClientConnection, base: str, room: str) -> dict[str, Any]:
    """Post probes to `base` until `ws` hears one (Redis has just come back)."""
    stop = time.monotonic() + 10
    for n in range(100):
        assert time.monotonic() < stop, "no message reached the subscriber within 10 s"
        post(base, room, f"probe {n}")
        try:
            event: dict[str, Any] = orjson.loads(ws.recv(timeout=0.2))
        except TimeoutError:
            continue
        if event["type"] == "message":
            return event
    raise AssertionError("no probe reached the subscriber")


@pytest.mark.parametrize("server", SERVERS)
def test_during_a_redis_outage_messages_are_kept_and_delivery_resumes_after(
    server: str, tmp_path: Path
) -> None:
    port = free_port()
    database = tmp_path / "chat.db"
    with redis_process(port) as (url, redis), two_workers(server, url, database) as workers:
        first, second = workers
        with connect(ws_url(first, "outage", "alice")) as alice:
            next_event(alice, "welcome")
            with connect(ws_url(second, "outage", "bob")) as bob:
                next_event(bob, "welcome")
                say(alice, "before")
                seen_by_bob = next_event(bob, "message", text="before")["id"]
                redis.terminate()
                redis.wait(timeout=10)

                started = time.monotonic()
                say(alice, "sent while Redis was away")
                assert next_event(alice, "error")["error"].startswith("Your message is saved")
                assert close_code(alice) == 1013
                posted = post(first, "outage", "posted while Redis was away")
                assert (posted.status_code, posted.json()["delivered"]) == (202, False)
                assert time.monotonic() - started < 2.0  # told at once, not left hanging
                with pytest.raises(TimeoutError):
                    bob.recv(timeout=0.5)  # still connected, and hears nothing

                with redis_process(port):
                    heard = first_message_heard(bob, first, "outage")
                    # The probe names its predecessor; bob's last message is older: a gap.
                    assert heard["after"] > seen_by_bob
                    assert history(second, "outage", after=seen_by_bob)[:2] == [
                        "sent while Redis was away",
                        "posted while Redis was away",
                    ]
                    with connect(ws_url(first, "outage", "alice")) as again:
                        welcome = next_event(again, "welcome")
        texts = [message["text"] for message in welcome["history"]]
        assert "sent while Redis was away" in texts


@pytest.mark.parametrize("server", SERVERS)
def test_a_publisher_gets_an_answer_within_the_timeout_when_redis_stops_answering(
    server: str, tmp_path: Path
) -> None:
    # One second instead of the layer's default five, to keep the test short.
    with redis_process() as (url, redis):
        workers = two_workers(server, f"{url}?socket_timeout=1", tmp_path / "chat.db")
        with workers as (first, _), connect(ws_url(first, "paused", "carol")) as carol:
            next_event(carol, "welcome")
            redis.send_signal(signal.SIGSTOP)
            try:
                started = time.monotonic()
                posted = post(first, "paused", "into the void")
                assert (posted.status_code, posted.json()["delivered"]) == (202, False)
                say(carol, "also into the void")
                assert next_event(carol, "error")["error"].startswith("Your message is saved")
                assert close_code(carol) == 1013
                assert time.monotonic() - started < 4.0
            finally:
                redis.send_signal(signal.SIGCONT)
            assert history(first, "paused") == ["into the void", "also into the void"]

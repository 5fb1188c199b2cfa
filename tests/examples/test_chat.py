"""The chat example through the test client: rooms, presence, history, escaping, fallback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from examples.chat import storage
from examples.chat.pages import STATIC_DIR
from examples.chat.rooms import clean_nick, clean_text, slugify_room
from legato import App
from legato.channels import InMemoryChannelLayer, Overflow, Subscription
from legato.exceptions import ImproperlyConfigured
from legato.test import Client
from legato.test.websocket import WebSocketSession
from legato.urls import include, path


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    app = App(
        urlpatterns=[path("chat/", include("examples.chat.urls"))],
        database=f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
        static_dirs=[STATIC_DIR],
    )
    with Client(app) as test_client:
        yield test_client


def next_of_type(ws: WebSocketSession, kind: str, **fields: object) -> dict[str, Any]:
    """The next event of type `kind` whose `fields` have the given values."""
    for _ in range(20):
        event: dict[str, Any] = ws.receive_json()
        if event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
            return event
    raise AssertionError(f"no {kind!r} event with {fields} in 20 messages")


def test_two_people_in_a_room_see_each_other_and_each_others_messages(client: Client) -> None:
    with client.websocket("/chat/rooms/tea/socket/?nick=alice") as alice:
        welcome = alice.receive_json()
        assert welcome == {
            "type": "welcome",
            "room": "tea",
            "nick": "alice",
            "history": [],
            "online": ["alice"],
        }
        with client.websocket("/chat/rooms/tea/socket/?nick=bob") as bob:
            assert bob.receive_json()["online"] == ["alice", "bob"]
            assert next_of_type(alice, "presence", joined="bob")["online"] == ["alice", "bob"]
            alice.send_json({"type": "message", "text": "hello bob"})
            heard = next_of_type(bob, "message")
            assert (heard["nick"], heard["text"]) == ("alice", "hello bob")
            assert next_of_type(alice, "message")["id"] == heard["id"]  # the author too
        assert next_of_type(alice, "presence", left="bob")["online"] == ["alice"]


def test_rooms_are_separate(client: Client) -> None:
    with (
        client.websocket("/chat/rooms/one/socket/?nick=a") as in_one,
        client.websocket("/chat/rooms/two/socket/?nick=b") as in_two,
    ):
        assert in_one.receive_json()["online"] == ["a"]
        assert in_two.receive_json()["online"] == ["b"]
        in_two.send_json({"type": "message", "text": "only in two"})
        assert next_of_type(in_two, "message")["text"] == "only in two"
        in_one.send_json({"type": "message", "text": "only in one"})
        assert next_of_type(in_one, "message")["text"] == "only in one"


def test_newcomers_get_the_last_50_messages(client: Client) -> None:
    for n in range(55):
        response = client.post("/chat/rooms/busy/messages/", {"nick": "bot", "text": f"m{n}"})
        assert response.status_code == 201
    with client.websocket("/chat/rooms/busy/socket/?nick=late") as ws:
        history = ws.receive_json()["history"]
    assert [m["text"] for m in history] == [f"m{n}" for n in range(5, 55)]
    assert client.get("/chat/rooms/busy/history/").json()["messages"] == history


def test_html_in_messages_is_escaped_on_the_page_and_kept_verbatim_in_json(client: Client) -> None:
    attack = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    client.post("/chat/rooms/safe/messages/", {"nick": "<b>mallory</b>", "text": attack})
    page = client.get("/chat/rooms/safe/").text
    assert "<script>alert(2)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;b&gt;mallory&lt;/b&gt;" in page
    assert client.get("/chat/rooms/safe/history/").json()["messages"][0]["text"] == attack


def test_the_browser_script_never_uses_inner_html(client: Client) -> None:
    script = client.get("/static/chat/chat.js")
    assert script["Content-Type"].startswith("text/javascript")
    assert ".innerHTML" not in script.text
    assert "insertAdjacentHTML" not in script.text
    assert "textContent" in script.text


def test_a_missing_nickname_is_refused_with_a_reason(client: Client) -> None:
    with client.websocket("/chat/rooms/tea/socket/") as ws:
        assert ws.receive_json() == {"type": "error", "error": "Choose a nickname."}
        ws.receive()
    assert ws.close_code == 1008


def test_bad_messages_get_an_error_event_and_the_socket_stays_open(client: Client) -> None:
    with client.websocket("/chat/rooms/tea/socket/?nick=alice") as ws:
        ws.receive_json()
        ws.send_json({"type": "message", "text": "   "})
        assert next_of_type(ws, "error")["error"] == "The message is empty."
        ws.send_json(["not", "an", "object"])
        assert next_of_type(ws, "error")["type"] == "error"
        ws.send_json({"type": "message", "text": "still here"})
        assert next_of_type(ws, "message")["text"] == "still here"


def test_malformed_json_closes_the_socket_with_1007(client: Client) -> None:
    with client.websocket("/chat/rooms/tea/socket/?nick=alice") as ws:
        ws.receive_json()
        ws.send_text("{oops")
        while ws.receive()["type"] != "websocket.close":
            pass
    assert ws.close_code == 1007


def test_server_sent_events_fallback_receives_what_a_websocket_user_says(client: Client) -> None:
    with client.stream("GET", "/chat/rooms/mixed/events/?nick=sse-user") as stream:
        assert stream["Content-Type"].startswith("text/event-stream")
        events = stream.iter_events()
        welcome = orjson.loads(next(events).data)
        assert (welcome["type"], welcome["online"]) == ("welcome", ["sse-user"])
        with client.websocket("/chat/rooms/mixed/socket/?nick=ws-user") as ws:
            ws.receive_json()
            ws.send_json({"type": "message", "text": "hi from the socket"})
            received = [orjson.loads(event.data) for event in _until_message(events)]
        assert received[-1]["text"] == "hi from the socket"


def _until_message(events: Iterator[Any]) -> Iterator[Any]:
    for event in events:
        yield event
        if orjson.loads(event.data)["type"] == "message":
            return


def test_post_fallback_reaches_websocket_users(client: Client) -> None:
    with client.websocket("/chat/rooms/mixed/socket/?nick=ws-user") as ws:
        ws.receive_json()
        response = client.post(
            "/chat/rooms/mixed/messages/",
            {"nick": "poster", "text": "hi from POST"},
            content_type="application/json",
        )
        assert response.status_code == 201
        heard = next_of_type(ws, "message")
        assert (heard["nick"], heard["text"]) == ("poster", "hi from POST")


def test_post_refuses_an_empty_message(client: Client) -> None:
    response = client.post("/chat/rooms/tea/messages/", {"nick": "a", "text": ""})
    assert (response.status_code, response.json()) == (400, {"error": "The message is empty."})


def test_lobby_lists_rooms_and_redirects_to_a_typed_room(client: Client) -> None:
    client.post("/chat/rooms/garden/messages/", {"nick": "a", "text": "hi"})
    assert 'href="/chat/rooms/garden/"' in client.get("/chat/").text
    response = client.get("/chat/", {"room": "Tea & Cake!"})
    assert response["Location"] == "/chat/rooms/tea-cake/"


def test_the_chat_without_an_app_database_says_what_to_configure() -> None:
    app = App(urlpatterns=[path("", include("examples.chat.urls"))])
    assert app.database is None
    with pytest.raises(ImproperlyConfigured, match="App\\(database="):
        storage.database_for(app.database)


def test_the_demo_app_serves_the_chat() -> None:
    from examples.showcase.app import app

    with Client(app) as client:
        assert 'href="/chat/"' in client.get("/").text
        assert client.get("/chat/rooms/demo/").status_code == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ada   Lovelace ", "Ada Lovelace"),
        ("zero\u200bwidth", "zerowidth"),
        ("tab\there", "tab here"),
    ],
)
def test_clean_nick_normalises(raw: str, expected: str) -> None:
    assert clean_nick(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01", "x" * 33, None])
def test_clean_nick_refuses(raw: object) -> None:
    with pytest.raises(ValueError, match="nickname"):
        clean_nick(raw)


def test_clean_text_keeps_newlines_and_drops_control_characters() -> None:
    assert clean_text(" line one\nline\x07 two ") == "line one\nline two"
    with pytest.raises(ValueError, match="at most 2000"):
        clean_text("x" * 2001)


def test_slugify_room() -> None:
    assert slugify_room("  Tea & Cake! ") == "tea-cake"
    with pytest.raises(ValueError, match="Name a room"):
        slugify_room("!!!")


class FlakyLayer(InMemoryChannelLayer):
    """The memory layer, with an outage switch: while `down`, it fails as Redis's does."""

    down = False

    async def group_send(self, group: str, message: Any) -> None:
        if self.down:
            raise ConnectionError("Could not publish: Redis is away (in this test).")
        await super().group_send(group, message)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, *groups: str, capacity: int | None = None, overflow: Overflow | None = None
    ) -> AsyncIterator[Subscription]:
        if self.down:
            raise ConnectionError("Could not subscribe: Redis is away (in this test).")
        async with super().subscribe(*groups, capacity=capacity, overflow=overflow) as sub:
            yield sub


@pytest.fixture
def layer() -> FlakyLayer:
    return FlakyLayer()


@pytest.fixture
def flaky(tmp_path: Path, layer: FlakyLayer) -> Iterator[Client]:
    app = App(
        urlpatterns=[path("chat/", include("examples.chat.urls"))],
        database=f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
        static_dirs=[STATIC_DIR],
        channels=layer,
    )
    with Client(app) as test_client:
        yield test_client


def history_texts(client: Client, room: str, after: int | None = None) -> list[str]:
    query = {} if after is None else {"after": after}
    messages = client.get(f"/chat/rooms/{room}/history/", query).json()["messages"]
    return [message["text"] for message in messages]


def test_a_message_sent_during_an_outage_is_saved_and_its_socket_told_to_come_back(
    flaky: Client, layer: FlakyLayer
) -> None:
    with flaky.websocket("/chat/rooms/tea/socket/?nick=alice") as alice:
        alice.receive_json()
        layer.down = True
        alice.send_json({"type": "message", "text": "while Redis is away"})
        error = next_of_type(alice, "error")["error"]
        assert error.startswith("Your message is saved")
        while alice.receive()["type"] != "websocket.close":
            pass
    assert alice.close_code == 1013
    assert history_texts(flaky, "tea") == ["while Redis is away"]


def test_joining_during_an_outage_is_refused_with_1013(flaky: Client, layer: FlakyLayer) -> None:
    layer.down = True
    with flaky.websocket("/chat/rooms/tea/socket/?nick=bob") as bob:
        assert next_of_type(bob, "error")["error"].startswith("The room cannot be reached")
        while bob.receive()["type"] != "websocket.close":
            pass
    assert bob.close_code == 1013


def test_a_post_during_an_outage_answers_202_saved_not_delivered(
    flaky: Client, layer: FlakyLayer
) -> None:
    layer.down = True
    response = flaky.post("/chat/rooms/tea/messages/", {"nick": "carol", "text": "kept"})
    assert response.status_code == 202  # not a 5xx: a client must not send it again
    assert response.json()["delivered"] is False
    assert response.json()["message"]["text"] == "kept"
    assert history_texts(flaky, "tea") == ["kept"]


def test_each_message_names_the_one_before_so_a_reader_sees_a_gap(
    flaky: Client, layer: FlakyLayer
) -> None:
    with flaky.websocket("/chat/rooms/gap/socket/?nick=dave") as dave:
        dave.receive_json()
        flaky.post("/chat/rooms/gap/messages/", {"nick": "erin", "text": "one"})
        first = next_of_type(dave, "message")
        assert first["after"] is None  # the room's first message
        layer.down = True
        flaky.post("/chat/rooms/gap/messages/", {"nick": "erin", "text": "missed"})
        layer.down = False
        third = flaky.post("/chat/rooms/gap/messages/", {"nick": "erin", "text": "three"})
        heard = next_of_type(dave, "message")
    assert heard == third.json()["message"]
    assert heard["after"] > first["id"]  # dave never saw it: a gap, filled from history
    assert history_texts(flaky, "gap", after=first["id"]) == ["missed", "three"]


def test_history_after_must_be_a_message_id(client: Client) -> None:
    response = client.get("/chat/rooms/tea/history/", {"after": "-1"})
    assert response.status_code == 400


def test_pages_link_the_static_files_the_app_serves(client: Client) -> None:
    page = client.get("/chat/rooms/tea/").text
    assert 'href="/static/chat/chat.css"' in page
    assert 'src="/static/chat/chat.js"' in page
    stylesheet = client.get("/static/chat/chat.css")
    assert stylesheet["Content-Type"] == "text/css; charset=utf-8"
    assert stylesheet["Cache-Control"] == "public, max-age=60"

"""The social example through the test client: accounts, posts, follows, profiles, the
live feed, and what anonymous and cross-site requests get."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import orjson
import pytest

from examples.social.app import create_app
from examples.social.pages import clean_post
from legato import App
from legato.channels import InMemoryChannelLayer, Subscription
from legato.test import AsyncClient, Client
from legato.test.response import TestResponse

PASSWORD = "correct horse battery staple"
# Cheap hashes: the tests sign up and log in many times.
CHEAP_HASHES = {
    "password_hash_time_cost": 1,
    "password_hash_memory_cost": 8,
    "password_hash_parallelism": 1,
}


def social_app(tmp_path: Path, **settings: Any) -> App:
    return create_app(
        database=f"sqlite+aiosqlite:///{tmp_path / 'social.sqlite3'}",
        secret_key="a test key, long enough to sign with",
        **CHEAP_HASHES,
        **settings,
    )


class UnreachableLayer(InMemoryChannelLayer):
    """A channel layer whose server is down: publishing and subscribing fail as Redis's do."""

    async def group_send(self, group: str, message: Any) -> None:
        raise ConnectionError("the channel layer's server is not answering")

    @contextlib.asynccontextmanager
    async def subscribe(self, *groups: str, **options: Any) -> AsyncIterator[Subscription]:
        raise ConnectionError("the channel layer's server is not answering")
        yield  # unreached: makes this an async generator, as the real one is


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    with Client(social_app(tmp_path)) as test_client:
        yield test_client


def sign_up(client: Client, username: str, home: str = "/") -> None:
    """Sign `username` up, which logs them in (the client keeps their session cookie) and
    sends them to the site's `home`."""
    client.cookies.clear()
    form = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", form)
    assert (response.status_code, response["Location"]) == (302, home), response.text


def post(client: Client, text: str) -> TestResponse:
    return client.post("/posts/", {"text": text})


def texts(page: str) -> list[str]:
    """The posts' texts on a page, in order (as the HTML escapes them)."""
    return [part.split("</p>", 1)[0] for part in page.split('<p class="text">')[1:]]


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    for path in ("/", "/feed/events/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_anonymous_posts_and_follows_go_to_the_login_page_and_change_nothing(
    client: Client,
) -> None:
    sign_up(client, "alice")
    client.cookies.clear()
    assert client.post("/posts/", {"text": "sneaky"}).status_code == 302
    assert client.post("/u/alice/follow/").status_code == 302
    assert "sneaky" not in client.get("/u/alice/").text


def test_signing_up_logs_in_and_leads_home(client: Client) -> None:
    sign_up(client, "alice")
    home = client.get("/")
    assert home.status_code == 200
    assert "@alice" in home.text
    assert '<li class="flash success">Welcome, alice!</li>' in home.text  # legato.auth's
    assert "Nothing here yet" in home.text
    assert "Welcome" not in client.get("/").text  # a message is shown once


def test_logging_in_goes_to_the_page_asked_for(client: Client) -> None:
    sign_up(client, "alice")
    client.cookies.clear()
    login_page = client.get("/accounts/login/?next=/u/alice/")
    assert 'class="bar"' in login_page.text  # legato.auth's form in the site's layout
    form = {"username": "alice", "password": PASSWORD, "next": "/u/alice/"}
    response = client.post("/accounts/login/", form)
    assert (response.status_code, response["Location"]) == (302, "/u/alice/")
    assert 'id="follow"' not in client.get("/u/alice/").text  # oneself


def test_signing_up_twice_with_one_name_is_refused(client: Client) -> None:
    sign_up(client, "alice")
    client.cookies.clear()
    form = {"username": "alice", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", form).status_code == 200  # the form, with errors


def test_a_wrong_password_does_not_log_in(client: Client) -> None:
    sign_up(client, "alice")
    client.cookies.clear()
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_logging_out_ends_the_session(client: Client) -> None:
    sign_up(client, "alice")
    assert client.get("/").status_code == 200
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert client.get("/").status_code == 302


def test_a_post_shows_on_the_authors_home_and_profile(client: Client) -> None:
    sign_up(client, "alice")
    response = post(client, "first post")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert texts(client.get("/").text) == ["first post"]
    profile = client.get("/u/alice/")
    assert texts(profile.text) == ["first post"]
    assert "1 post " in profile.text


def test_a_post_is_kept_when_the_channel_layer_is_away(tmp_path: Path) -> None:
    with Client(social_app(tmp_path, channels=UnreachableLayer())) as client:
        sign_up(client, "alice")
        response = post(client, "said while Redis was down")
        assert (response.status_code, response["Location"]) == (302, "/")
        home = client.get("/").text
    assert "Posted; open pages will show it when they are reloaded." in home
    assert texts(home) == ["said while Redis was down"]


def test_unicode_names_have_working_profile_links(client: Client) -> None:
    sign_up(client, "zoë")
    post(client, "bonjour")
    link = client.get("/").text.split('class="author" href="', 1)[1].split('"', 1)[0]
    assert link == "/u/zo%C3%AB/"
    assert texts(client.get(link).text) == ["bonjour"]
    assert "@zoë" in client.get(link).text


def test_empty_and_overlong_posts_are_refused_with_a_message(client: Client) -> None:
    sign_up(client, "alice")
    post(client, "   \n  ")
    assert "Write something to post." in client.get("/").text
    post(client, "x" * 281)
    assert "A post has at most 280 characters" in client.get("/").text
    assert texts(client.get("/u/alice/").text) == []


def test_html_in_posts_is_escaped_on_the_page(client: Client) -> None:
    sign_up(client, "mallory")
    post(client, '<script>alert(1)</script><img src=x onerror="alert(2)">')
    page = client.get("/").text
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_browser_script_never_writes_html(client: Client) -> None:
    script = client.get("/static/social/feed.js")
    assert script.status_code == 200
    assert "innerHTML" not in script.text
    assert "insertAdjacentHTML" not in script.text
    assert "textContent" in script.text


def test_the_home_feed_holds_posts_of_followed_people_only(client: Client) -> None:
    sign_up(client, "bob")
    post(client, "bob says hi")
    sign_up(client, "carol")
    post(client, "carol says hi")
    sign_up(client, "alice")
    assert texts(client.get("/").text) == []
    response = client.post("/u/bob/follow/")
    assert (response.status_code, response["Location"]) == (302, "/u/bob/")
    assert texts(client.get("/").text) == ["bob says hi"]
    post(client, "alice too")
    assert texts(client.get("/").text) == ["alice too", "bob says hi"]


def test_following_and_unfollowing_change_the_profile_and_the_feed(client: Client) -> None:
    sign_up(client, "bob")
    post(client, "from bob")
    sign_up(client, "alice")
    client.post("/u/bob/follow/")
    client.post("/u/bob/follow/")  # twice: still one follow
    profile = client.get("/u/bob/").text
    assert "1 follower</span>" in profile
    assert 'id="unfollow"' in profile
    assert "You follow bob now." in profile
    client.post("/u/bob/unfollow/")
    profile = client.get("/u/bob/").text
    assert "0 followers" in profile
    assert 'id="follow"' in profile
    assert texts(client.get("/").text) == []


def test_following_oneself_is_refused(client: Client) -> None:
    sign_up(client, "alice")
    client.post("/u/alice/follow/")
    assert "You cannot follow yourself." in client.get("/u/alice/").text
    assert "0 followers" in client.get("/u/alice/").text


def test_profiles_are_public_and_unknown_ones_are_404(client: Client) -> None:
    sign_up(client, "alice")
    post(client, "hello world")
    client.cookies.clear()
    profile = client.get("/u/alice/")
    assert profile.status_code == 200
    assert texts(profile.text) == ["hello world"]
    assert "Log in</a> to follow alice" in profile.text
    assert client.get("/u/nobody/").status_code == 404
    assert client.post("/u/nobody/follow/").status_code == 302  # anonymous: log in first
    sign_up(client, "bob")
    assert client.post("/u/nobody/follow/").status_code == 404


def test_the_feed_pages_back_through_older_posts(client: Client) -> None:
    sign_up(client, "alice")
    for n in range(55):
        post(client, f"post {n}")
    first = client.get("/").text
    assert texts(first)[0] == "post 54"
    assert len(texts(first)) == 50
    older = first.split('class="older" href="', 1)[1].split('"', 1)[0]
    assert texts(client.get(older.replace("&amp;", "&")).text) == [
        f"post {n}" for n in range(4, -1, -1)
    ]


def test_a_cross_site_post_is_refused(client: Client) -> None:
    sign_up(client, "alice")
    forged = client.post("/posts/", {"text": "forged"}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    fetched = client.post("/posts/", {"text": "forged"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403
    same_site = client.post("/posts/", {"text": "mine"}, headers={"Origin": "http://testserver"})
    assert same_site.status_code == 302
    assert texts(client.get("/").text) == ["mine"]


def test_a_cross_site_login_is_refused(client: Client) -> None:
    sign_up(client, "alice")
    client.cookies.clear()
    form = {"username": "alice", "password": PASSWORD}
    response = client.post("/accounts/login/", form, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_clean_post_keeps_newlines_and_drops_control_characters() -> None:
    assert clean_post("  hi\x00  there\n\nyou\u200b ") == "hi there\n\nyou"
    with pytest.raises(ValueError, match="Write something"):
        clean_post(None)


# The live feed: an async test, so that every wait for an event has a time limit.


async def next_event(events: Any, kind: str) -> dict[str, Any]:
    """The next event named `kind`, within 5 seconds."""
    async with asyncio.timeout(5):
        async for event in events:
            if event.event == kind:
                return orjson.loads(event.data)  # type: ignore[no-any-return]
    raise AssertionError(f"the stream ended before a {kind!r} event")


async def async_sign_up(client: AsyncClient, username: str) -> SimpleCookie:
    """Sign `username` up; return their cookies, to be them again later (`as_user`)."""
    client.cookies.clear()
    form = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    assert (await client.post("/accounts/signup/", form)).status_code == 302
    return SimpleCookie(client.cookies)


def as_user(client: AsyncClient, jar: SimpleCookie) -> None:
    client.cookies.clear()
    client.cookies.update(jar)


@pytest.mark.anyio
async def test_the_live_feed_receives_a_followed_users_post(tmp_path: Path) -> None:
    async with AsyncClient(social_app(tmp_path)) as client:
        alice = await async_sign_up(client, "alice")
        bob = await async_sign_up(client, "bob")
        carol = await async_sign_up(client, "carol")
        assert (await client.post("/u/alice/follow/")).status_code == 302  # carol follows
        as_user(client, bob)
        async with client.stream("GET", "/feed/events/") as stream:
            assert stream["Content-Type"].startswith("text/event-stream")
            events = stream.aiter_events()
            assert await next_event(events, "ready") == {"type": "ready"}
            as_user(client, carol)
            await client.post("/posts/", {"text": "carol: bob does not follow me"})
            as_user(client, bob)
            await client.post("/u/alice/follow/")
            as_user(client, alice)
            await client.post("/posts/", {"text": "hello <b>followers</b>"})
            live = await next_event(events, "post")
        assert (live["author"], live["text"]) == ("alice", "hello <b>followers</b>")
        assert live["author_url"] == "/u/alice/"


@pytest.mark.anyio
async def test_the_live_feed_asks_to_be_retried_while_the_channel_layer_is_away(
    tmp_path: Path,
) -> None:
    async with AsyncClient(social_app(tmp_path, channels=UnreachableLayer())) as client:
        await async_sign_up(client, "alice")
        async with client.stream("GET", "/feed/events/") as stream:
            assert stream.status_code == 200  # an error status would stop the EventSource
            async with asyncio.timeout(5):
                events = [event async for event in stream.aiter_events()]
    assert [(event.event, event.retry) for event in events] == [("unavailable", 5000)]


@pytest.mark.anyio
async def test_a_reconnecting_stream_gets_the_posts_it_missed(tmp_path: Path) -> None:
    async with AsyncClient(social_app(tmp_path)) as client:
        await async_sign_up(client, "alice")
        for n in range(3):
            await client.post("/posts/", {"text": f"missed {n}"})
        await async_sign_up(client, "bob")
        await client.post("/u/alice/follow/")
        first_id = int((await client.get("/")).text.split('data-id="')[-1].split('"')[0])
        headers = {"Last-Event-ID": str(first_id)}
        async with client.stream("GET", "/feed/events/", headers=headers) as stream:
            events = stream.aiter_events()
            caught_up = [await next_event(events, "post") for _ in range(2)]
            assert await next_event(events, "ready") == {"type": "ready"}
        assert [event["text"] for event in caught_up] == ["missed 1", "missed 2"]


# The demo (`make demo`) mounts the site under /social/ and the accounts pages at /accounts/.


@pytest.fixture
def showcase() -> Iterator[Client]:
    # Imported by name: the showcase module is untyped, and mypy need not follow it here.
    app = importlib.import_module("examples.showcase.app").app
    with Client(app) as client:
        yield client


def test_the_demo_lists_and_serves_the_social_site(showcase: Client) -> None:
    assert 'href="/social/"' in showcase.get("/").text
    response = showcase.get("/social/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/social/",
    )
    name = f"demo-{uuid.uuid4().hex[:12]}"  # the demo's database outlives the test
    sign_up(showcase, name, home="/social/")
    home = showcase.get("/social/")
    assert f"@{name}" in home.text
    assert 'data-events="/social/feed/events/' in home.text
    assert "/static/social/social.css" in home.text
    post = showcase.post("/social/posts/", {"text": "from the demo"})
    assert post["Location"] == "/social/"
    assert texts(showcase.get(f"/social/u/{name}/").text) == ["from the demo"]
    logout = showcase.post("/accounts/logout/")
    assert (logout.status_code, logout["Location"]) == (302, "/accounts/login/")

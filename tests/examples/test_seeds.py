"""Each seed tutorial snippet works with only its import line changed."""

from __future__ import annotations

import time

import pytest

from examples.seeds.app import app
from legato.test import AsyncClient, Client


@pytest.fixture
def client() -> Client:
    with Client(app) as test_client:
        yield test_client  # type: ignore[misc]


def test_hello(client: Client) -> None:
    response = client.get("/hello/")
    assert (response.status_code, response.text) == (200, "Hello, async!")


def test_mi_vista(client: Client) -> None:
    assert client.get("/mi-vista/").json() == {"mensaje": "Hola, mundo asíncrono!"}


def test_fetch_data_awaits_an_async_function(client: Client) -> None:
    assert client.get("/fetch-data/").json() == {"data": {"temperature": 21, "unit": "C"}}


def test_fetch_result_awaits_a_slow_api_call(client: Client) -> None:
    assert client.get("/fetch-result/").json() == {"result": ["first result", "second result"]}


def test_async_view_waits_two_seconds(client: Client) -> None:
    started = time.monotonic()
    response = client.get("/async/")
    assert response.json() == {"message": "Async response after delay"}
    assert 1.9 < time.monotonic() - started < 3.5


def test_class_based_view_with_async_get_and_post(client: Client) -> None:
    assert client.get("/greeting/").json() == {"greeting": "Hello", "method": "GET"}
    response = client.post("/greeting/", {"name": "Ada"}, content_type="application/json")
    assert response.json() == {"greeting": "Hello, Ada!", "method": "POST"}


@pytest.mark.anyio
async def test_slow_views_overlap_in_one_process() -> None:
    import asyncio

    async with AsyncClient(app) as client:
        started = time.monotonic()
        responses = await asyncio.gather(*(client.get("/slow/") for _ in range(10)))
        elapsed = time.monotonic() - started
    assert {r.text for r in responses} == {"Finished waiting!"}
    assert elapsed < 3.5  # ten 2-second waits, concurrently


def test_showcase_index_links_every_seed() -> None:
    from examples.showcase.app import app as showcase

    with Client(showcase) as client:
        page = client.get("/").text
    for route in ("/seeds/hello/", "/seeds/slow/", "/seeds/greeting/", "/seeds/slow-sync/"):
        assert f'href="{route}"' in page


def test_showcase_clock_streams_ticks_and_slow_stream_streams_lines() -> None:
    from examples.showcase.app import app as showcase

    with Client(showcase) as client:
        assert '<script src="/static/showcase/clock.js">' in client.get("/streams/clock/").text
        assert "EventSource" in client.get("/static/showcase/clock.js").text
        with client.stream("GET", "/streams/clock/events/", headers={"Last-Event-ID": "41"}) as r:
            first = next(r.iter_events())
        assert (first.event, first.id) == ("tick", "42")
        with client.stream("GET", "/streams/slow-stream/") as r:
            chunks = r.iter_chunks()
            assert next(chunks).startswith(b"line 1 of 10")
            assert next(chunks).startswith(b"line 2 of 10")

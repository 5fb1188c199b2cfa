"""The aggregator through Legato's test client, with its upstreams served in-process.

The upstreams are `CountingUpstream` apps reached through `httpx.ASGITransport`, so each
test counts, on the upstream side, the calls the aggregator made and the ones it
cancelled. Disconnects are played through the raw ASGI interface, as a server would.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples.aggregator.aggregator import Aggregator
from examples.aggregator.app import make_app
from examples.aggregator.cache import CoalescingCache
from examples.aggregator.settings import Upstream
from legato.app import App
from legato.exceptions import ImproperlyConfigured
from legato.test import AsyncClient, Client
from legato.test.lifespan import LifespanFailed
from legato.urls import include, path
from tests.integration.apps.aggregator_upstream import CountingUpstream

NAMES = ("weather", "news", "traffic")


@pytest.fixture(autouse=True)
def no_aggregator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "AGGREGATOR_UPSTREAMS",
        "AGGREGATOR_TIMEOUT",
        "AGGREGATOR_CACHE_TTL",
        "AGGREGATOR_BASE_URL",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def upstream() -> CountingUpstream:
    return CountingUpstream()


def aggregator(upstream: CountingUpstream, query: str = "delay=0.3", **options: Any) -> App:
    urls = {name: f"http://upstream.test/{name}/?{query}" for name in NAMES}
    return make_app(upstreams=urls, transport=httpx.ASGITransport(upstream.app()), **options)


def each(city: str, count: int = 1) -> dict[str, int]:
    return {f"{name}:{city}": count for name in NAMES}


def test_dashboard_answers_every_part_when_upstreams_are_healthy(
    upstream: CountingUpstream,
) -> None:
    with Client(aggregator(upstream)) as client:
        response = client.get("/dashboard/", {"city": "Paris"})
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is True
    assert body["missing"] == {}
    assert {name: part["city"] for name, part in body["data"].items()} == dict.fromkeys(
        NAMES, "Paris"
    )
    assert body["sources"] == dict.fromkeys(NAMES, "upstream")


def test_upstreams_are_awaited_concurrently(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream)) as client:
        started = time.monotonic()
        response = client.get("/dashboard/", {"city": "Lyon"})
        elapsed = time.monotonic() - started
    assert response.json()["complete"] is True
    assert 0.3 <= elapsed < 0.6  # three 0.3 s calls at once, not 0.9 s one after another


def test_repeated_request_within_the_ttl_is_served_from_the_cache(
    upstream: CountingUpstream,
) -> None:
    with Client(aggregator(upstream)) as client:
        client.get("/dashboard/", {"city": "Nice"})
        started = time.monotonic()
        again = client.get("/dashboard/", {"city": "Nice"})
        assert time.monotonic() - started < 0.2
    assert again.json()["sources"] == dict.fromkeys(NAMES, "cache")
    assert upstream.started == each("Nice")


def test_cache_expires_after_its_ttl(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream, "delay=0", cache_ttl=0.1)) as client:
        client.get("/dashboard/", {"city": "Metz"})
        time.sleep(0.15)
        assert client.get("/dashboard/", {"city": "Metz"}).json()["sources"]["news"] == "upstream"
    assert upstream.started == each("Metz", 2)


def test_different_queries_are_different_calls_but_parameter_order_is_not(
    upstream: CountingUpstream,
) -> None:
    with Client(aggregator(upstream, "delay=0")) as client:
        client.get("/dashboard/?city=Rome&lang=it")
        assert client.get("/dashboard/?lang=it&city=Rome").json()["sources"]["news"] == "cache"
        client.get("/dashboard/?city=Bern")
    assert upstream.started == {**each("Rome"), **each("Bern")}


def test_configured_parameters_win_over_forwarded_ones(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream, "delay=0")) as client:
        started = time.monotonic()
        response = client.get("/dashboard/", {"city": "Gent", "delay": "5"})
        assert time.monotonic() - started < 1
    assert response.json()["complete"] is True


def test_failing_upstream_costs_only_its_own_part(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream)) as client:
        query = {"city": "Bonn", "news_fail": "503", "traffic_fail": "json"}
        response = client.get("/dashboard/", query)
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False
    assert list(body["data"]) == ["weather"]
    assert body["missing"]["news"] == {
        "reason": "http_error",
        "detail": "HTTP 503 Service Unavailable",
    }
    assert body["missing"]["traffic"]["reason"] == "invalid_json"


def test_failures_are_not_cached(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream, "delay=0")) as client:
        client.get("/dashboard/", {"city": "Graz", "news_fail": "500"})
        second = client.get("/dashboard/", {"city": "Graz", "news_fail": "500"}).json()
    assert second["sources"] == {"weather": "cache", "news": "upstream", "traffic": "cache"}
    assert upstream.started["news:Graz"] == 2


def test_slow_upstream_is_cut_at_its_timeout_and_cancelled(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream, timeout=0.5)) as client:
        started = time.monotonic()
        response = client.get("/dashboard/", {"city": "Linz", "weather_delay": "10"})
        elapsed = time.monotonic() - started
    body = response.json()
    assert body["missing"] == {
        "weather": {"reason": "timeout", "detail": "No answer within 0.5 s."}
    }
    assert set(body["data"]) == {"news", "traffic"}
    assert 0.5 <= elapsed < 1.0
    assert upstream.cancelled == {"weather:Linz": 1}


def test_every_upstream_failing_answers_502(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream, "delay=0")) as client:
        response = client.get("/dashboard/", {"city": "Kiel", "fail": "500"})
    assert response.status_code == 502
    assert set(response.json()["missing"]) == set(NAMES)


@pytest.mark.anyio
async def test_burst_of_identical_requests_makes_one_call_per_upstream(
    upstream: CountingUpstream,
) -> None:
    async with AsyncClient(aggregator(upstream)) as client:
        burst = [client.get("/dashboard/", {"city": "Burst"}) for _ in range(20)]
        responses = await asyncio.gather(*burst)
    assert upstream.started == each("Burst")
    assert all(response.json()["complete"] for response in responses)
    sources = [response.json()["sources"]["weather"] for response in responses]
    assert sorted(sources) == ["coalesced"] * 19 + ["upstream"]


def test_request_timeout_cancels_the_upstream_calls(upstream: CountingUpstream) -> None:
    app = aggregator(upstream, "delay=10", timeout=30, request_timeout=0.3)
    with Client(app) as client:
        response = client.get("/dashboard/", {"city": "Ulm"})
    assert response.status_code == 504
    assert upstream.cancelled == each("Ulm")
    assert upstream.finished == {}


class RawRequest:
    """One GET sent straight to the app's ASGI callable, whose client can leave mid-way."""

    def __init__(self, app: App, target: str, state: Mapping[str, Any]) -> None:
        route, _, query = target.partition("?")
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": dict(state),  # a shallow copy per request, as servers make
        }
        self.messages: list[Mapping[str, Any]] = []
        self._body_sent = False
        self._gone = asyncio.Event()
        self.task = asyncio.create_task(app(self.scope, self._receive, self._send))

    def leave(self) -> None:
        self._gone.set()

    async def _receive(self) -> dict[str, Any]:
        if not self._body_sent:
            self._body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Mapping[str, Any]) -> None:
        self.messages.append(message)


async def wait_until(condition: Callable[[], bool], deadline: float = 2.0) -> None:
    stop = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < stop, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.fixture
async def served(upstream: CountingUpstream) -> Any:
    """A started aggregator app (slow upstreams, long deadline) and its lifespan state."""
    app = aggregator(upstream, "delay=1", timeout=30)
    state: dict[str, Any] = {}
    await app.startup(state)
    yield app, state
    await app.shutdown()


@pytest.mark.anyio
async def test_client_disconnect_cancels_the_upstream_calls(
    served: tuple[App, dict[str, Any]], upstream: CountingUpstream
) -> None:
    app, state = served
    before = asyncio.all_tasks()
    request = RawRequest(app, "/dashboard/?city=Gone", state)
    await wait_until(lambda: sum(upstream.started.values()) == 3)
    request.leave()
    await asyncio.wait_for(request.task, 1)
    assert upstream.cancelled == each("Gone")
    assert request.messages == []  # nobody to answer
    assert state["aggregator"].cache.in_flight == 0
    await wait_until(lambda: asyncio.all_tasks() <= before)


@pytest.mark.anyio
async def test_one_client_leaving_does_not_cancel_the_calls_it_shares(
    served: tuple[App, dict[str, Any]], upstream: CountingUpstream
) -> None:
    app, state = served
    leaving = RawRequest(app, "/dashboard/?city=Shared", state)
    staying = RawRequest(app, "/dashboard/?city=Shared", state)
    await wait_until(lambda: sum(upstream.started.values()) == 3)
    leaving.leave()
    await asyncio.wait_for(asyncio.gather(leaving.task, staying.task), 3)
    assert staying.messages[0]["status"] == 200
    assert b'"complete":true' in staying.messages[1]["body"]
    assert upstream.started == each("Shared")
    assert upstream.cancelled == {}


def test_views_without_the_lifespan_say_what_to_add() -> None:
    app = App(urlpatterns=[path("", include("examples.aggregator.urls"))])
    with Client(app) as client, pytest.raises(ImproperlyConfigured, match="aggregator_lifespan"):
        client.get("/dashboard/")


def simulated_only() -> App:
    return App(urlpatterns=[path("", include("examples.aggregator.urls"))])


class Recorder:
    """A transport that answers every call with `{}` and keeps the URLs it was asked for."""

    def __init__(self) -> None:
        self.urls: list[httpx.URL] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return httpx.Response(200, json={})


def test_host_header_does_not_choose_where_upstream_calls_go() -> None:
    recorder = Recorder()
    app = make_app(base_url="http://127.0.0.1:8123/agg/", transport=recorder.transport())
    with Client(app) as client:
        for host in ("127.0.0.1:6379", "localhost:22", "testserver"):
            response = client.get("/dashboard/", {"city": host}, headers={"Host": host})
            assert response.json()["complete"] is True
    assert {(url.scheme, url.host, url.port, url.path) for url in recorder.urls} == {
        ("http", "127.0.0.1", 8123, f"/agg/upstream/{name}/") for name in NAMES
    }


queries = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=4)


def test_no_query_string_changes_where_upstream_calls_go() -> None:
    recorder = Recorder()
    urls = {"api": "https://api.test:8443/v1/data?key=secret"}
    app = make_app(upstreams=urls, cache_ttl=0, transport=recorder.transport())

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(queries)
    def check(query: list[tuple[str, str]]) -> None:
        recorder.urls.clear()
        client.get("/dashboard/", query)
        (url,) = recorder.urls
        assert (url.scheme, url.host, url.port, url.path) == ("https", "api.test", 8443, "/v1/data")
        assert url.params["key"] == "secret"

    with Client(app) as client:
        check()


def test_aggregator_refuses_upstreams_that_are_not_resolved() -> None:
    with pytest.raises(ImproperlyConfigured, match="base_url"):
        Aggregator(httpx.AsyncClient(), [Upstream("a", "upstream/a/")], CoalescingCache(1.0))


def test_demo_upstreams_are_the_simulated_ones_under_the_base_url() -> None:
    # make_app() without upstreams calls "<base_url>upstream/<name>/"; here the transport
    # answers every host in-process, from the same routes.
    app = make_app(transport=httpx.ASGITransport(simulated_only()))
    with Client(app) as client:
        started = time.monotonic()
        body = client.get("/dashboard/", {"city": "Oslo"}).json()
        assert time.monotonic() - started < 0.6
    assert body["complete"] is True
    assert body["data"]["traffic"]["city"] == "Oslo"


def test_demo_page_links_to_the_dashboard() -> None:
    with Client(make_app(transport=httpx.ASGITransport(simulated_only()))) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert 'href="dashboard/?city=Paris"' in page.text


@pytest.fixture
def showcase() -> Iterator[Client]:
    # Imported by name: the showcase module is untyped, and mypy need not follow it here.
    app = importlib.import_module("examples.showcase.app").app
    with Client(app) as client:
        yield client


def test_showcase_index_lists_the_aggregator(showcase: Client) -> None:
    index = showcase.get("/").text
    assert 'href="/aggregator/"' in index
    assert 'href="/aggregator/dashboard/"' in index


def test_showcase_serves_the_aggregator_page_and_its_upstreams(showcase: Client) -> None:
    assert "API aggregator" in showcase.get("/aggregator/").text
    upstream = showcase.get("/aggregator/upstream/weather/", {"city": "Rome"})
    assert upstream.json()["city"] == "Rome"


def test_bad_configuration_fails_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, upstream: CountingUpstream
) -> None:
    monkeypatch.setenv("AGGREGATOR_TIMEOUT", "soon")
    client = Client(aggregator(upstream))
    try:
        with pytest.raises(LifespanFailed, match="AGGREGATOR_TIMEOUT='soon' is not a number"):
            client.get("/dashboard/")
    finally:
        client.close()


def test_dashboard_refuses_unsafe_methods(upstream: CountingUpstream) -> None:
    with Client(aggregator(upstream)) as client:
        assert client.post("/dashboard/").status_code == 405
    assert upstream.started == {}

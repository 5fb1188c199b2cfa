"""The demo's simulated upstreams: latency and failures on request."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examples.aggregator.simulated import MAX_DELAY, Behaviour, parse_behaviour
from legato.app import App
from legato.test import Client
from legato.urls import include, path


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with Client(App(urlpatterns=[path("", include("examples.aggregator.urls"))])) as test_client:
        yield test_client


def test_behaviour_defaults_to_an_immediate_answer() -> None:
    assert parse_behaviour({}, "weather") == Behaviour()


def test_named_parameters_override_the_shared_ones() -> None:
    query = {"delay": "0.3", "fail": "0", "weather_delay": "5", "weather_fail": "503"}
    assert parse_behaviour(query, "weather") == Behaviour(5.0, status=503)
    assert parse_behaviour(query, "news") == Behaviour(0.3)


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        ("json", Behaviour(invalid_json=True)),
        ("HANG", Behaviour(hang=True)),
        ("404", Behaviour(status=404)),
    ],
)
def test_fail_picks_the_failure(fail: str, expected: Behaviour) -> None:
    assert parse_behaviour({"fail": fail}, "news") == expected


@given(
    st.floats(0, MAX_DELAY), st.sampled_from(["0", "json", "hang"]) | st.integers(400, 599).map(str)
)
def test_valid_parameters_always_parse(delay: float, fail: str) -> None:
    behaviour = parse_behaviour({"delay": repr(delay), "fail": fail}, "traffic")
    assert behaviour.delay == delay


@given(st.text(max_size=8))
def test_any_text_parses_or_raises_value_error(text: str) -> None:
    for query in ({"delay": text}, {"fail": text}):
        try:
            behaviour = parse_behaviour(query, "news")
        except ValueError as exc:
            problem = str(exc)
            assert problem.startswith(("delay=", "fail="))
        else:
            assert 0 <= behaviour.delay <= MAX_DELAY


def test_upstream_answers_sample_json_for_the_city(client: Client) -> None:
    response = client.get("/upstream/weather/", {"city": "Oslo"})
    assert response.status_code == 200
    assert response.json()["city"] == "Oslo"


def test_upstream_waits_for_the_delay(client: Client) -> None:
    started = time.monotonic()
    client.get("/upstream/news/", {"delay": "0.2"})
    assert 0.2 <= time.monotonic() - started < 1.0


def test_upstream_fails_on_request(client: Client) -> None:
    assert client.get("/upstream/news/", {"fail": "503"}).status_code == 503
    broken = client.get("/upstream/traffic/", {"fail": "json"})
    assert broken.status_code == 200
    assert broken.content.startswith(b"<html>")


def test_bad_parameters_answer_400_with_the_reason(client: Client) -> None:
    response = client.get("/upstream/news/", {"delay": "-1"})
    assert response.status_code == 400
    assert "between 0 and 30" in response.text


def test_unknown_upstream_is_404(client: Client) -> None:
    assert client.get("/upstream/stocks/").status_code == 404

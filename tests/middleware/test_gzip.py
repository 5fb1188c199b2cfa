"""GZipMiddleware: what is compressed, how, and what is left alone, under ASGI and WSGI.

The parity tests turn the BREACH padding off (`max_random_bytes=0`), so that the two
servers' bodies are equal byte for byte; the padding has tests of its own.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import AsyncIterator, Iterator

import brotli
import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import EventStreamResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from legato.middleware import GZipMiddleware
from legato.test import Client
from legato.urls import path
from tests.parity import Both, ServeBoth

TEXT = "Legato compresses text like this sentence. " * 20
GZIP = {"Accept-Encoding": "gzip"}
NOISE = os.urandom(512)  # incompressible


async def page(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(TEXT)
    if "etag" in request.GET:
        response["ETag"] = '"v1"'
    return response


async def short(request: HttpRequest) -> HttpResponse:
    return HttpResponse("short")


async def encoded(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TEXT, headers={"Content-Encoding": "identity"})


async def image(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TEXT, content_type="image/png")


async def svg(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TEXT, content_type="image/svg+xml")


async def no_transform(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TEXT, headers={"Cache-Control": "no-transform"})


async def random_bytes(request: HttpRequest) -> HttpResponse:
    return HttpResponse(NOISE, content_type="text/plain")


def sync_stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        (f"line {n}\n" * 10 for n in range(5)), headers={"Content-Length": "400"}
    )


async def async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def lines() -> AsyncIterator[str]:
        for number in range(5):
            yield f"line {number}\n" * 10

    return StreamingHttpResponse(lines())


async def events(request: HttpRequest) -> EventStreamResponse:
    async def source() -> AsyncIterator[dict[str, int]]:
        for number in range(3):
            yield {"n": number}

    return EventStreamResponse(source(), heartbeat=None)


ROUTES = [
    path("", page),
    path("short/", short),
    path("encoded/", encoded),
    path("image/", image),
    path("svg/", svg),
    path("no-transform/", no_transform),
    path("random/", random_bytes),
    path("sync-stream/", sync_stream),
    path("async-stream/", async_stream),
    path("events/", events),
]


def served(both: ServeBoth, **options: object) -> Both:
    middleware = GZipMiddleware.configure(max_random_bytes=0, **options)
    return both(lambda: App(ROUTES, middleware=[middleware]))


def test_a_long_body_is_gzipped_for_a_client_that_takes_gzip(both: ServeBoth) -> None:
    response = served(both).get("/", headers=GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(response.body) < len(TEXT)
    assert gzip.decompress(response.body).decode() == TEXT


def test_brotli_is_chosen_when_the_client_rates_it_as_high(both: ServeBoth) -> None:
    response = served(both).get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["content-encoding"] == "br"
    assert brotli.decompress(response.body).decode() == TEXT


def test_gzip_is_chosen_when_the_client_rates_brotli_lower(both: ServeBoth) -> None:
    response = served(both).get("/", headers={"Accept-Encoding": "br;q=0.5, gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_brotli_can_be_turned_off(both: ServeBoth) -> None:
    response = served(both, brotli=False).get("/", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "br;q=0, gzip;q=0", "*;q=0"])
def test_a_client_that_does_not_take_a_coding_gets_the_body_as_it_is(
    both: ServeBoth, accept: str
) -> None:
    headers = {"Accept-Encoding": accept} if accept else {}
    response = served(both).get("/", headers=headers)
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"  # another client gets gzip
    assert response.text == TEXT


@pytest.mark.parametrize("url", ["/short/", "/encoded/", "/image/", "/no-transform/", "/missing/"])
def test_responses_not_worth_compressing_are_left_alone(both: ServeBoth, url: str) -> None:
    response = served(both).get(url, headers=GZIP)
    assert response.headers.get("content-encoding") in (None, "identity")
    assert "Accept-Encoding" not in response.headers.get("vary", "")


def test_svg_is_text_and_is_compressed(both: ServeBoth) -> None:
    assert served(both).get("/svg/", headers=GZIP).headers["content-encoding"] == "gzip"


def test_a_body_that_would_not_shrink_is_sent_as_it_is(both: ServeBoth) -> None:
    response = served(both).get("/random/", headers=GZIP)
    assert "content-encoding" not in response.headers
    assert response.body == NOISE


def test_min_length_sets_the_size_worth_compressing(both: ServeBoth) -> None:
    pair = served(both, min_length=len(TEXT) + 1)
    assert "content-encoding" not in pair.get("/", headers=GZIP).headers


def test_a_strong_etag_becomes_weak(both: ServeBoth) -> None:
    response = served(both).get("/?etag=1", headers=GZIP)
    assert response.headers["etag"] == 'W/"v1"'


@pytest.mark.parametrize("url", ["/sync-stream/", "/async-stream/"])
def test_a_stream_is_compressed_without_a_content_length(both: ServeBoth, url: str) -> None:
    response = served(both).get(url, headers=GZIP)
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    expected = "".join(f"line {n}\n" * 10 for n in range(5))
    assert gzip.decompress(response.body).decode() == expected


def test_an_event_stream_is_compressed_event_by_event(both: ServeBoth) -> None:
    response = served(both).get("/events/", headers={"Accept-Encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    assert brotli.decompress(response.body) == b"".join(
        f'data: {{"n":{n}}}\n\n'.encode() for n in range(3)
    )


def test_each_event_arrives_decodable_on_its_own() -> None:
    app = App(ROUTES, middleware=[GZipMiddleware])
    decoder = zlib.decompressobj(wbits=31)
    with Client(app) as client, client.stream("GET", "/events/", headers=GZIP) as response:
        chunks: Iterator[bytes] = response.iter_chunks()
        seen = [decoder.decompress(chunk) for chunk in chunks]
    assert seen[:3] == [f'data: {{"n":{n}}}\n\n'.encode() for n in range(3)]
    assert decoder.eof


def test_gzip_bodies_are_padded_to_a_random_length_by_default() -> None:
    app = App(ROUTES, middleware=[GZipMiddleware])
    with Client(app) as client:
        bodies = [client.get("/", headers=GZIP).content for _ in range(20)]
    assert len({len(body) for body in bodies}) > 1
    assert all(gzip.decompress(body).decode() == TEXT for body in bodies)


@pytest.mark.parametrize(
    "options",
    [{"gzip_level": 0}, {"gzip_level": 10}, {"brotli_quality": 12}, {"min_length": -1}],
)
def test_levels_out_of_range_are_refused_at_start_up(options: dict[str, int]) -> None:
    with pytest.raises(ImproperlyConfigured, match="GZipMiddleware: "):
        GZipMiddleware.configure(**options)(short)

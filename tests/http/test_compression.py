"""Compression: padded gzip bodies decode, and each streamed chunk decodes as it arrives."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import brotli
import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http import EventStreamResponse, StreamingHttpResponse
from legato.http.compression import BrotliStream, GzipStream, compress_body, padding

TEXT = b"the quick brown fox jumps over the lazy dog " * 20


def test_a_padded_gzip_body_carries_the_padding_as_its_file_name() -> None:
    pad = b"a" * 37
    body = compress_body(TEXT, "gzip", 6, pad)
    assert body[3] & 0x08  # FNAME
    assert body[10 : 10 + 38] == pad + b"\0"
    assert gzip.decompress(body) == TEXT
    assert len(body) == len(compress_body(TEXT, "gzip", 6)) + 38


@given(st.integers(min_value=0, max_value=300))
def test_padding_stays_below_its_bound(bound: int) -> None:
    assert len(padding(bound)) < max(bound, 1)


def test_padding_varies() -> None:
    assert len({len(padding(100)) for _ in range(50)}) > 1


@pytest.mark.parametrize("make", [lambda: GzipStream(6, b"aaaa"), lambda: BrotliStream(4)])
def test_each_streamed_chunk_decodes_as_soon_as_it_arrives(make: object) -> None:
    encoder = make()  # type: ignore[operator]
    gzipped = isinstance(encoder, GzipStream)
    decoder = zlib.decompressobj(wbits=31) if gzipped else brotli.Decompressor()
    decompress = decoder.decompress if gzipped else decoder.process
    for number in range(5):
        event = f"data: event {number}\n\n".encode()
        assert decompress(encoder.encode(event)) == event
    assert encoder.encode(b"") == b""
    assert decompress(encoder.finish()) == b""
    if gzipped:
        assert decoder.eof
    else:
        assert decoder.is_finished()


def test_a_stream_with_an_encoder_sends_its_chunks_encoded_then_the_end() -> None:
    response = StreamingHttpResponse(iter([b"one ", b"two"]))
    response.encode_chunks(GzipStream(6))
    assert gzip.decompress(b"".join(response.iter_chunks())) == b"one two"


@pytest.mark.anyio
async def test_an_async_stream_with_an_encoder_sends_its_chunks_encoded() -> None:
    async def source():  # type: ignore[no-untyped-def]
        yield "one "
        yield "two"

    response = StreamingHttpResponse(source())
    response.encode_chunks(GzipStream(6))
    chunks = [chunk async for chunk in response.aiter_chunks()]
    assert gzip.decompress(b"".join(chunks)) == b"one two"


@pytest.mark.anyio
async def test_the_closing_chunk_of_an_encoded_stream_ends_the_encoding() -> None:
    async def events():  # type: ignore[no-untyped-def]
        yield "first"

    response = EventStreamResponse(events(), heartbeat=None)
    response.encode_chunks(GzipStream(6))
    chunks = response.aiter_chunks()
    first = await anext(chunks)  # then shut-down cuts the stream
    await response.aclose()
    body = gzip.decompress(first + response.closing_chunk())
    assert body.startswith(b"data: first\n\n")
    assert body.endswith(response.shutdown_chunk())


@pytest.mark.anyio
async def test_heartbeats_are_encoded_in_the_same_stream() -> None:
    async def slow():  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.2)
        yield "late"

    response = EventStreamResponse(slow(), heartbeat=0.02)
    response.encode_chunks(GzipStream(6))
    body = gzip.decompress(b"".join([chunk async for chunk in response.aiter_chunks()]))
    assert body.startswith(b": ping\n\n")
    assert body.endswith(b"data: late\n\n")

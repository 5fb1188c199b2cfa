from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import RequestDataTooBig
from legato.http.body import BodyReader, RequestBody, RequestLimits

SMALL = RequestLimits(data_upload_max_memory_size=10)


def read(reader: BodyReader, *chunks: bytes) -> RequestBody:
    for chunk in chunks:
        reader.feed(chunk)
    return reader.finish()


def test_urlencoded_body_is_buffered_as_bytes() -> None:
    reader = BodyReader(b"application/x-www-form-urlencoded", 7, RequestLimits())
    body = read(reader, b"a=1", b"&b=2")
    assert body.body == b"a=1&b=2"
    assert body.post is None
    assert body.files is None


def test_json_body_is_buffered_as_bytes() -> None:
    body = read(BodyReader(b"application/json", None, RequestLimits()), b'{"a":', b" 1}")
    assert body.body == b'{"a": 1}'


def test_empty_body_without_content_type_is_empty_bytes() -> None:
    assert read(BodyReader(None, None, RequestLimits())).body == b""
    assert read(BodyReader(None, 0, RequestLimits()), b"").body == b""


def test_declared_length_over_limit_raises_at_construction() -> None:
    with pytest.raises(RequestDataTooBig, match="data_upload_max_memory_size"):
        BodyReader(b"application/json", 11, SMALL)


def test_declared_length_at_limit_is_accepted() -> None:
    assert read(BodyReader(b"text/plain", 10, SMALL), b"0123456789").body == b"0123456789"


def test_chunked_body_over_limit_raises_during_feed() -> None:
    reader = BodyReader(b"text/plain", None, SMALL)
    reader.feed(b"01234")
    reader.feed(b"56789")
    with pytest.raises(RequestDataTooBig, match="10 bytes"):
        reader.feed(b"x")


def test_body_longer_than_declared_length_still_hits_limit() -> None:
    reader = BodyReader(b"text/plain", 3, SMALL)
    with pytest.raises(RequestDataTooBig):
        reader.feed(b"x" * 11)


def test_no_limit_when_limit_is_none() -> None:
    limits = RequestLimits(data_upload_max_memory_size=None)
    body = read(BodyReader(b"text/plain", 10**9, limits), b"x" * 100_000)
    assert body.body is not None
    assert len(body.body) == 100_000


def test_close_is_idempotent_for_plain_bodies() -> None:
    reader = BodyReader(b"text/plain", None, RequestLimits())
    reader.feed(b"abc")
    reader.close()
    reader.close()


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_plain_body_is_the_concatenation_of_chunks(chunks: list[bytes]) -> None:
    body = read(BodyReader(b"application/octet-stream", None, RequestLimits()), *chunks)
    assert body.body == b"".join(chunks)

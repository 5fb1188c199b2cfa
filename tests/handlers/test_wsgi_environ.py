"""Property tests for reading a WSGI environ: paths, headers, lengths and bodies."""

from __future__ import annotations

import io
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import BadRequest, RequestDataTooBig
from legato.handlers.wsgi import read_body, scope_from_environ
from legato.http.body import RequestLimits
from legato.http.request import HttpRequest

header_names = st.text(
    string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20
).filter(lambda name: name not in ("content-type", "content-length"))
latin1_values = st.text(st.characters(max_codepoint=255, blacklist_characters="\r\n\0"))


def environ(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    base.update(extra)
    return base


class TrickleInput:
    """A wsgi.input that returns at most `step` bytes per read, and counts them."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data = io.BytesIO(data)
        self.step = step
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data.read(size)
        self.bytes_read += len(chunk)
        return chunk


@given(st.text(st.characters(codec="utf-8"), max_size=40))
def test_utf8_path_round_trips_through_pep3333_latin1(segment: str) -> None:
    path = "/" + segment
    scope = scope_from_environ(environ(PATH_INFO=path.encode().decode("latin-1")))
    assert scope["path"] == path
    assert HttpRequest(scope).path_info == path


@given(st.binary(max_size=40))
def test_any_path_bytes_decode_as_an_asgi_server_would(raw: bytes) -> None:
    scope = scope_from_environ(environ(PATH_INFO="/" + raw.decode("latin-1")))
    assert scope["path"] == "/" + raw.decode("utf-8", "replace")


@given(st.text(st.characters(max_codepoint=255), max_size=60))
def test_query_string_is_passed_on_as_its_bytes(query: str) -> None:
    scope = scope_from_environ(environ(QUERY_STRING=query))
    assert scope["query_string"] == query.encode("latin-1")


@given(st.dictionaries(header_names, latin1_values, max_size=8))
def test_headers_reach_the_request_unchanged(headers: dict[str, str]) -> None:
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    request = HttpRequest(scope_from_environ(environ(**extra)))
    for name, value in headers.items():
        assert request.headers[name] == value
        assert request.META["HTTP_" + name.upper().replace("-", "_")] == value


@given(st.text(max_size=12))
def test_content_length_is_a_number_or_a_bad_request(text: str) -> None:
    env = environ(REQUEST_METHOD="POST", CONTENT_LENGTH=text, **{"wsgi.input": io.BytesIO()})
    valid = text.isascii() and text.isdigit()
    if not text or (valid and int(text) == 0):
        assert read_body(env, RequestLimits()).body == b""
    elif valid:
        with pytest.raises(BadRequest, match="short of its Content-Length"):
            read_body(env, RequestLimits())
    else:
        with pytest.raises(BadRequest, match="Invalid Content-Length"):
            read_body(env, RequestLimits())


@given(
    body=st.binary(max_size=3000),
    step=st.integers(min_value=1, max_value=700),
    limit=st.integers(min_value=0, max_value=3000),
)
def test_declared_body_is_read_whole_or_refused_before_reading(
    body: bytes, step: int, limit: int
) -> None:
    stream = TrickleInput(body, step)
    env = environ(REQUEST_METHOD="POST", CONTENT_LENGTH=str(len(body)), **{"wsgi.input": stream})
    limits = RequestLimits(data_upload_max_memory_size=limit)
    if len(body) > limit:
        with pytest.raises(RequestDataTooBig):
            read_body(env, limits)
        assert stream.bytes_read == 0
    else:
        assert read_body(env, limits).body == body


@given(
    body=st.binary(max_size=200_000),
    limit=st.integers(min_value=0, max_value=150_000),
)
def test_chunked_body_stops_being_read_one_chunk_past_the_limit(body: bytes, limit: int) -> None:
    stream = TrickleInput(body, 1 << 20)
    env = environ(
        REQUEST_METHOD="POST",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream, "wsgi.input_terminated": True},
    )
    limits = RequestLimits(data_upload_max_memory_size=limit)
    if len(body) > limit:
        with pytest.raises(RequestDataTooBig):
            read_body(env, limits)
        assert stream.bytes_read <= limit + 64 * 1024
    else:
        assert read_body(env, limits).body == body


@given(
    remote=st.ip_addresses().map(str),
    port=st.integers(min_value=1, max_value=65535),
    scheme=st.sampled_from(["http", "https"]),
)
def test_client_scheme_and_server_come_from_the_environ(
    remote: str, port: int, scheme: str
) -> None:
    scope = scope_from_environ(
        environ(REMOTE_ADDR=remote, REMOTE_PORT=str(port), SERVER_PORT=str(port))
        | {"wsgi.url_scheme": scheme}
    )
    request = HttpRequest(scope)
    assert request.META["REMOTE_ADDR"] == remote
    assert request.META["REMOTE_PORT"] == str(port)
    assert request.scheme == scheme
    assert request.get_port() == str(port)

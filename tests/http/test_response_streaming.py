"""Tests for StreamingHttpResponse and FileResponse, consumed the ASGI and the WSGI way."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from legato.http.response import FileResponse, StreamingHttpResponse

pytestmark = pytest.mark.anyio

T = TypeVar("T")


async def collect(response: StreamingHttpResponse, run_sync: Any = None) -> list[bytes]:
    return [chunk async for chunk in response.aiter_chunks(run_sync)]


async def agen(*parts: object) -> AsyncIterator[object]:
    for part in parts:
        yield part


# ---------------------------------------------------------------- StreamingHttpResponse


async def test_streaming_sync_iterator_yields_bytes() -> None:
    response = StreamingHttpResponse(iter(["a", b"b", memoryview(b"c"), 1]))
    assert response.streaming
    assert not response.is_async
    assert await collect(response) == [b"a", b"b", b"c", b"1"]
    assert response.closed  # exhausted: its resources are released


async def test_streaming_async_iterator_yields_bytes() -> None:
    response = StreamingHttpResponse(agen("a", b"b"))
    assert response.is_async
    assert await collect(response) == [b"a", b"b"]
    assert response.closed


async def test_streaming_has_no_content_length_and_default_type() -> None:
    response = StreamingHttpResponse(["a"])
    assert "Content-Length" not in response
    assert response["Content-Type"] == "text/html; charset=utf-8"


async def test_streaming_charset_encodes_text_chunks() -> None:
    response = StreamingHttpResponse(["é"], content_type="text/plain; charset=latin-1")
    assert await collect(response) == [b"\xe9"]


async def test_streaming_sync_next_runs_off_the_event_loop_thread() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def chunks() -> Iterator[bytes]:
        for part in (b"a", b"b"):
            threads.append(threading.get_ident())
            yield part

    assert await collect(StreamingHttpResponse(chunks())) == [b"a", b"b"]
    assert len(threads) == 2
    assert loop_thread not in threads


async def test_streaming_slow_sync_generator_does_not_block_the_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    def slow() -> Iterator[bytes]:
        time.sleep(0.2)
        yield b"done"

    task = asyncio.create_task(ticker())
    try:
        assert await collect(StreamingHttpResponse(slow())) == [b"done"]
    finally:
        task.cancel()
    assert ticks >= 5


async def test_streaming_uses_the_given_run_sync() -> None:
    calls = 0

    async def run_sync(func: Callable[[], T]) -> T:
        nonlocal calls
        calls += 1
        return func()

    assert await collect(StreamingHttpResponse([b"a", b"b"]), run_sync) == [b"a", b"b"]
    assert calls == 3  # two chunks, then the step that finds the end


async def test_streaming_async_chunks_are_not_buffered() -> None:
    received = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        # Only continues once the consumer has the first chunk: buffering would deadlock.
        await asyncio.wait_for(received.wait(), timeout=2)
        yield b"second"

    stream = StreamingHttpResponse(chunks()).aiter_chunks()
    assert await anext(stream) == b"first"
    received.set()
    assert await anext(stream) == b"second"


async def test_streaming_sync_chunks_are_not_buffered() -> None:
    received = threading.Event()

    def chunks() -> Iterator[bytes]:
        yield b"first"
        assert received.wait(timeout=2), "the consumer never got the first chunk"
        yield b"second"

    stream = StreamingHttpResponse(chunks()).aiter_chunks()
    assert await anext(stream) == b"first"
    received.set()
    assert await anext(stream) == b"second"


async def test_streaming_aclose_closes_async_generator_mid_stream() -> None:
    finished: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            finished.append("closed")

    response = StreamingHttpResponse(chunks())
    stream = response.aiter_chunks()
    assert await anext(stream) == b"x"
    await response.aclose()
    assert finished == ["closed"]
    assert response.closed


async def test_streaming_aclose_closes_sync_generator_mid_stream() -> None:
    finished: list[str] = []

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            finished.append("closed")

    response = StreamingHttpResponse(chunks())
    stream = response.aiter_chunks()
    assert await anext(stream) == b"x"
    await response.aclose()
    assert finished == ["closed"]


async def test_streaming_close_during_a_running_step_is_deferred_to_that_step() -> None:
    release = threading.Event()
    inside = threading.Event()
    finished: list[int] = []

    def chunks() -> Iterator[bytes]:
        try:
            inside.set()
            release.wait(timeout=5)
            yield b"late"
        finally:
            finished.append(threading.get_ident())

    response = StreamingHttpResponse(chunks())
    stream = response.aiter_chunks()

    async def next_chunk() -> bytes:
        return await anext(stream)

    consumer = asyncio.create_task(next_chunk())
    await asyncio.to_thread(inside.wait, 5)
    consumer.cancel()  # e.g. the client went away
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await response.aclose()  # must not fail with "generator already executing"
    assert finished == []
    release.set()
    for _ in range(200):
        if finished:
            break
        await asyncio.sleep(0.01)
    assert finished
    assert finished[0] != threading.get_ident()  # closed in the worker thread
    assert response.closed


async def test_streaming_cancelled_consumer_cancels_async_source() -> None:
    finished: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            await asyncio.sleep(10)
            yield b"never"
        finally:
            finished.append("cancelled")

    response = StreamingHttpResponse(chunks())
    consumer = asyncio.create_task(collect(response))
    await asyncio.sleep(0.01)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await response.aclose()
    assert finished == ["cancelled"]


async def test_streaming_errors_from_the_source_propagate() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"
        raise RuntimeError("source failed")

    response = StreamingHttpResponse(chunks())
    with pytest.raises(RuntimeError, match="source failed"):
        await collect(response)
    assert response.closed


async def test_streaming_content_is_not_available() -> None:
    response = StreamingHttpResponse(["a"])
    with pytest.raises(AttributeError, match="streaming_content"):
        response.content  # noqa: B018
    with pytest.raises(AttributeError, match="streaming_content"):
        response.text  # noqa: B018


async def test_streaming_content_property_maps_to_bytes() -> None:
    response = StreamingHttpResponse(["a", "b"])
    assert list(response.streaming_content) == [b"a", b"b"]  # type: ignore[arg-type]
    response.streaming_content = agen("c")
    assert response.is_async
    parts = response.streaming_content
    assert [part async for part in parts] == [b"c"]  # type: ignore[union-attr]


def test_streaming_iter_chunks_for_sync_consumers() -> None:
    response = StreamingHttpResponse(iter(["a", b"b"]))
    assert list(response.iter_chunks()) == [b"a", b"b"]
    assert list(StreamingHttpResponse(["x"])) == [b"x"]
    assert StreamingHttpResponse(["x", "y"]).getvalue() == b"xy"


def test_streaming_iter_chunks_of_async_iterator_is_a_clear_error() -> None:
    source = agen("a")
    response = StreamingHttpResponse(source)
    with pytest.raises(TypeError, match=r"async iterator.*WSGI"):
        response.iter_chunks()
    asyncio.run(source.aclose())  # type: ignore[attr-defined]


def test_streaming_sync_iteration_of_an_async_iterator_consumes_it_with_a_warning() -> None:
    response = StreamingHttpResponse(agen("a", b"b"))
    with pytest.warns(Warning, match="must consume asynchronous iterators") as caught:
        assert list(response) == [b"a", b"b"]
    assert caught[0].filename == __file__  # points at the caller, as Django's does


def test_streaming_non_iterable_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="iterable or an async iterable"):
        StreamingHttpResponse(42)  # type: ignore[arg-type]


def test_streaming_close_closes_the_source() -> None:
    closed: list[bool] = []

    class Source:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"a"])

        def close(self) -> None:
            closed.append(True)

    response = StreamingHttpResponse(Source())
    response.close()
    response.close()
    assert closed == [True]


async def test_streaming_async_iteration_protocol() -> None:
    response = StreamingHttpResponse(["a"])
    assert [chunk async for chunk in response] == [b"a"]


# ---------------------------------------------------------------- FileResponse


DATA = b"x" * (64 * 1024) + b"y" * (64 * 1024) + b"tail"


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_bytes(DATA)
    return path


async def test_file_response_streams_64k_chunks_then_closes(data_file: Path) -> None:
    handle = data_file.open("rb")
    response = FileResponse(handle)
    assert response["Content-Length"] == str(128 * 1024 + 4)
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'inline; filename="report.txt"'
    chunks = await collect(response)
    assert [len(chunk) for chunk in chunks] == [65536, 65536, 4]
    assert b"".join(chunks) == DATA
    assert handle.closed


class SeekableWithoutTell:
    """A file-like that can seek but not tell, as Django's tests use."""

    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> None:
        self._file.seek(offset, whence)  # returns None, as some file-likes do

    def seekable(self) -> bool:
        return True


def test_file_response_seekable_without_tell_has_content_length() -> None:
    filelike = SeekableWithoutTell(DATA)
    filelike.seek(10)
    response = FileResponse(filelike)
    assert response["Content-Length"] == str(len(DATA) - 10)
    assert b"".join(response) == DATA[10:]


def test_file_response_length_when_seek_returns_none() -> None:
    class Telling(SeekableWithoutTell):
        def tell(self) -> int:
            return self._file.tell()

    filelike = Telling(b"0123456789")
    filelike.seek(2)
    response = FileResponse(filelike)
    assert response["Content-Length"] == "8"
    assert b"".join(response) == b"23456789"


async def test_file_response_reads_in_worker_threads(data_file: Path) -> None:
    threads: list[int] = []

    async def run_sync(func: Callable[[], T]) -> T:
        def record() -> T:
            threads.append(threading.get_ident())
            return func()

        return await asyncio.to_thread(record)

    chunks = await collect(FileResponse(data_file.open("rb")), run_sync)
    assert len(chunks) == 3
    assert threads
    assert threading.get_ident() not in threads


async def test_file_response_closed_on_aclose_mid_stream(data_file: Path) -> None:
    handle = data_file.open("rb")
    response = FileResponse(handle)
    stream = response.aiter_chunks()
    assert len(await anext(stream)) == 65536
    await response.aclose()
    assert handle.closed


def test_file_response_closed_on_close(data_file: Path) -> None:
    handle = data_file.open("rb")
    response = FileResponse(handle)
    response.close()
    assert handle.closed


@pytest.mark.parametrize("as_path", [str, Path])
async def test_file_response_accepts_a_path(
    data_file: Path, as_path: Callable[[Path], Any]
) -> None:
    response = FileResponse(as_path(data_file), as_attachment=True)
    assert response["Content-Disposition"] == 'attachment; filename="report.txt"'
    assert response.file_to_stream is not None
    assert b"".join(await collect(response)) == DATA
    assert response.file_to_stream.closed


def test_file_response_sync_consumer_gets_the_same_bytes(data_file: Path) -> None:
    response = FileResponse(data_file)
    assert b"".join(response.iter_chunks()) == DATA
    response.close()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.tar.gz", "application/gzip"),
        ("a.gz", "application/gzip"),
        ("a.tar.bz2", "application/x-bzip"),
        ("a.tar.xz", "application/x-xz"),
        ("a.html", "text/html"),
        ("a.json", "application/json"),
        ("noextension", "application/octet-stream"),
        ("a.unknownext", "application/octet-stream"),
    ],
)
def test_file_response_guesses_content_type(tmp_path: Path, name: str, content_type: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")
    response = FileResponse(path)
    assert response["Content-Type"] == content_type
    response.close()


def test_file_response_explicit_content_type_wins(data_file: Path) -> None:
    response = FileResponse(data_file, content_type="text/csv")
    assert response["Content-Type"] == "text/csv"
    response.close()
    response = FileResponse(data_file, headers={"content-type": "text/csv"})
    assert response["Content-Type"] == "text/csv"
    response.close()


def test_file_response_filename_argument_wins(data_file: Path) -> None:
    response = FileResponse(data_file, filename="other.json", as_attachment=True)
    assert response["Content-Disposition"] == 'attachment; filename="other.json"'
    assert response["Content-Type"] == "application/json"
    response.close()


def test_file_response_non_ascii_filename_uses_rfc5987(data_file: Path) -> None:
    response = FileResponse(data_file, filename="résumé ☃.txt", as_attachment=True)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20%E2%98%83.txt"
    )
    response.close()


def test_file_response_quotes_and_backslashes_are_escaped(data_file: Path) -> None:
    response = FileResponse(data_file, filename='a "b" \\c.txt')
    assert response["Content-Disposition"] == 'inline; filename="a \\"b\\" \\\\c.txt"'
    response.close()


def test_file_response_filename_with_line_break_cannot_inject(data_file: Path) -> None:
    response = FileResponse(data_file, filename="a\r\nSet-Cookie: x=1.txt")
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D1.txt"
    )
    response.close()


async def test_file_response_bytesio_without_name() -> None:
    buffer = io.BytesIO(b"0123456789")
    buffer.seek(2)
    response = FileResponse(buffer)
    assert response["Content-Length"] == "8"
    assert response["Content-Type"] == "application/octet-stream"
    assert "Content-Disposition" not in response
    assert await collect(response) == [b"23456789"]
    assert buffer.closed


def test_file_response_bytesio_as_attachment_without_name() -> None:
    response = FileResponse(io.BytesIO(b"x"), as_attachment=True)
    assert response["Content-Disposition"] == "attachment"


async def test_file_response_unseekable_file_has_no_length() -> None:
    class Pipe:
        def __init__(self) -> None:
            self._parts = [b"ab", b"c"]

        def read(self, size: int) -> bytes:
            return self._parts.pop(0) if self._parts else b""

    response = FileResponse(Pipe())  # type: ignore[arg-type]
    assert "Content-Length" not in response
    assert await collect(response) == [b"ab", b"c"]


async def test_file_response_of_an_iterable_streams_it() -> None:
    response = FileResponse([b"a", b"b"])
    assert response.file_to_stream is None
    assert await collect(response) == [b"a", b"b"]


def test_file_response_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileResponse(tmp_path / "missing.txt")


def test_file_response_path_is_closed_when_construction_fails(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    real_open = open

    def recording_open(*args: Any) -> Any:
        handle = real_open(*args)
        opened.append(handle)
        return handle

    monkeypatch.setattr("builtins.open", recording_open)
    with pytest.raises(ValueError, match="from 100 to 599"):
        FileResponse(data_file, status=999)
    assert opened
    assert opened[0].closed

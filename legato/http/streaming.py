"""Stream a response body from a sync or async iterable, chunk by chunk, never buffering.

Invariants:
- `aiter_chunks` yields each chunk as soon as it is produced; a sync iterator advances
  in `run_sync` (a worker thread), never on the event loop. An async iterator is
  awaited directly.
- The source is closed when the response is closed or the stream ends; when a worker
  thread is inside `next()`, that thread closes it once `next()` returns.
- At shut-down a stream gets the grace period, unless `ends_at_shutdown`: then the
  handler ends it after `closing_chunk()` (handlers/shutdown.py).
- A `ChunkEncoder` given to `encode_chunks` (GZipMiddleware's compressors) sees every
  byte that leaves, heartbeats and the shut-down chunk included, and ends the body.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from contextlib import suppress
from functools import partial
from typing import Protocol, TypeVar, cast

from legato.http.response_base import HttpResponseBase, run_closers
from legato.http.response_headers import HeaderSource
from legato.sync import async_to_sync

__all__ = ["ChunkEncoder", "RunSync", "StreamSource", "StreamingHttpResponse"]

_T = TypeVar("_T")

StreamSource = Iterable[object] | AsyncIterable[object]


class RunSync(Protocol):
    """How the app runs sync code off the event loop (its thread pool)."""

    def __call__(self, func: Callable[[], _T], /) -> Awaitable[_T]: ...


class ChunkEncoder(Protocol):
    """Re-encodes a streamed body as it leaves: each chunk, then the end of the body."""

    def encode(self, chunk: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


def _to_thread(func: Callable[[], _T]) -> Awaitable[_T]:
    return asyncio.to_thread(func)


class StreamingHttpResponse(HttpResponseBase):
    """A response whose body comes from a sync or async iterable of bytes or str.

    At shut-down a stream gets the grace period to finish, as any request does, unless
    `ends_at_shutdown` is true: then it is ended as soon as shut-down begins (its
    iterator is closed, its `finally` blocks run), after `shutdown_chunk()`.
    """

    streaming = True
    ends_at_shutdown = False

    def __init__(
        self,
        streaming_content: StreamSource = (),
        content_type: str | None = None,
        status: int | None = None,
        reason: str | None = None,
        charset: str | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        super().__init__(content_type, status, reason, charset, headers)
        # A lock only once a sync iterator is stepped in worker threads (aiter_chunks).
        self._lock: threading.Lock | None = None
        self._stepping = False
        self._close_requested = False
        self._chunks: AsyncGenerator[bytes, None] | None = None
        self._encoder: ChunkEncoder | None = None
        self.streaming_content = streaming_content

    @property
    def content(self) -> bytes:
        raise AttributeError(
            f"This {type(self).__name__} instance has no `content` attribute. "
            "Use `streaming_content` instead."
        )

    @property
    def text(self) -> str:
        raise AttributeError(
            f"This {type(self).__name__} instance has no `text` attribute. "
            "Use `streaming_content` instead."
        )

    @property
    def streaming_content(self) -> Iterator[bytes] | AsyncIterator[bytes]:
        if self._async_iterator is not None:
            return self._async_bytes(self._async_iterator)
        assert self._sync_iterator is not None  # one of the two is always set
        return map(self.make_bytes, self._sync_iterator)

    @streaming_content.setter
    def streaming_content(self, value: StreamSource) -> None:
        self._set_streaming_content(value)

    def _set_streaming_content(self, value: StreamSource) -> None:
        self._sync_iterator: Iterator[object] | None = None
        self._async_iterator: AsyncIterator[object] | None = None
        # Sync first when a source is both, as Django; iter() also takes __getitem__.
        if isinstance(value, AsyncIterable) and not isinstance(value, Iterable):
            self._async_iterator = aiter(value)
        else:
            try:
                self._sync_iterator = iter(cast(Iterable[object], value))  # iterated once
            except TypeError:
                raise TypeError(
                    f"{type(self).__name__} needs an iterable or an async iterable of bytes "
                    f"or str, not {type(value).__name__}."
                ) from None
        self.is_async = self._async_iterator is not None
        close = getattr(value, "close", None)
        if callable(close):
            self._add_closer(close)

    async def _async_bytes(self, iterator: AsyncIterator[object]) -> AsyncIterator[bytes]:
        async for part in iterator:
            yield self.make_bytes(part)

    def shutdown_chunk(self) -> bytes:
        """The last bytes sent when shut-down ends the stream early: none, for a plain one."""
        return b""

    def encode_chunks(self, encoder: ChunkEncoder) -> None:
        """Send every chunk through `encoder` (a compressor), and its `finish()` last."""
        self._encoder = encoder

    def closing_chunk(self) -> bytes:
        """What the handler sends when shut-down ends the stream: `shutdown_chunk()`,
        encoded, then the end of the encoding."""
        last = self.shutdown_chunk()
        encoder = self._encoder
        if encoder is None:
            return last
        return encoder.encode(last) + encoder.finish()

    def __iter__(self) -> Iterator[bytes]:
        """Every chunk as bytes, for sync code; an async source is read whole first.

        As in Django, iterating a stream of an async iterator in sync code (a test, a
        sync caller) warns and consumes it all, on an event loop of its own, before the
        first chunk: it cannot stream there. Servers use `iter_chunks`/`aiter_chunks`.
        """
        iterator = self._async_iterator
        if iterator is None:
            return self.iter_chunks()
        warnings.warn(
            "StreamingHttpResponse must consume asynchronous iterators in order to serve "
            "them synchronously. Use a synchronous iterator instead.",
            Warning,
            stacklevel=2,
        )
        return iter(async_to_sync(self._read_all)(iterator))

    async def _read_all(self, iterator: AsyncIterator[object]) -> list[bytes]:
        return [self.make_bytes(part) async for part in iterator]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.aiter_chunks()

    def getvalue(self) -> bytes:
        return b"".join(self.iter_chunks())

    def iter_chunks(self) -> Iterator[bytes]:
        """The body for a sync (WSGI) server: every chunk as bytes."""
        if self._sync_iterator is None:
            raise TypeError(
                f"This {type(self).__name__} streams an async iterator, which a sync (WSGI) "
                "server can't consume yet: serve the app with ASGI, or stream a sync iterator."
            )
        chunks = map(self.make_bytes, self._sync_iterator)
        return chunks if self._encoder is None else _encoded(chunks, self._encoder)

    def aiter_chunks(self, run_sync: RunSync | None = None) -> AsyncIterator[bytes]:
        """The body for an ASGI server: every chunk as bytes, as soon as it is produced.

        Each step of a sync iterator runs through `run_sync`, so a slow generator never
        blocks the event loop; an async iterator is awaited directly.
        """
        chunks = self._stream(self._chunk_puller(run_sync or _to_thread))
        if self._encoder is not None:
            chunks = _aencoded(chunks, self._encoder)
        self._chunks = chunks
        return chunks

    async def _stream(
        self, pull: Callable[[], Awaitable[bytes | None]]
    ) -> AsyncGenerator[bytes, None]:
        while (chunk := await pull()) is not None:
            yield chunk

    def _chunk_puller(self, run_sync: RunSync) -> Callable[[], Awaitable[bytes | None]]:
        """Return a function whose awaitable gives the next chunk, or None at the end."""
        iterator = self._async_iterator
        if iterator is None:
            if self._lock is None:
                self._lock = threading.Lock()
            return partial(run_sync, self._next_chunk)
        make_bytes = self.make_bytes

        async def pull() -> bytes | None:
            try:
                part = await anext(iterator)
            except StopAsyncIteration:
                self.close()
                return None
            return make_bytes(part)

        return pull

    def _next_chunk(self) -> bytes | None:
        """Advance the sync iterator once; runs in a worker thread."""
        lock, iterator = self._lock, self._sync_iterator
        assert lock is not None  # both set up by _chunk_puller
        assert iterator is not None
        with lock:
            if self.closed:  # closed while this step waited for a thread
                return None
            self._stepping = True
        finished = True
        try:
            chunk = self.make_bytes(next(iterator))
            finished = False
            return chunk
        except StopIteration:
            return None
        finally:
            self._end_step(lock, finished)

    def _end_step(self, lock: threading.Lock, finished: bool) -> None:
        closers: tuple[Callable[[], object], ...] = ()
        with lock:
            self._stepping = False
            if finished or self._close_requested:
                self.closed = True
                closers, self._resource_closers = self._resource_closers, ()
        # In this worker thread: a generator's cleanup never runs on the event loop.
        run_closers(closers)

    def close(self) -> None:
        lock = self._lock
        if lock is None:
            super().close()
            return
        with lock:
            if self._stepping:
                # A worker thread is inside next(): closing the generator now would fail
                # ("already executing"), so that thread closes it when next() returns.
                self._close_requested = True
                return
            self.closed = True
            closers, self._resource_closers = self._resource_closers, ()
        run_closers(closers)

    async def aclose(self) -> None:
        """Stop the stream: close the chunk generator, the async source, then the rest."""
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            with suppress(RuntimeError):  # still running in another task: it ends itself
                await chunks.aclose()
        iterator = self._async_iterator
        if iterator is not None:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                with suppress(Exception):
                    await aclose()
        self.close()


def _encoded(chunks: Iterator[bytes], encoder: ChunkEncoder) -> Iterator[bytes]:
    for chunk in chunks:
        yield encoder.encode(chunk)
    yield encoder.finish()


async def _aencoded(
    chunks: AsyncGenerator[bytes, None], encoder: ChunkEncoder
) -> AsyncGenerator[bytes, None]:
    try:
        async for chunk in chunks:
            yield encoder.encode(chunk)
    finally:
        # Closed early (the client left, shut-down): the source must be closed as well.
        await chunks.aclose()
    yield encoder.finish()

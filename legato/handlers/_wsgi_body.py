"""Hand a response to a WSGI server as an iterable of bytes; end the request when it closes.

- An in-memory body is one chunk, and the response is closed at once. When the view
  scheduled no after-response work the server gets a plain list: nothing to close.
- A sync stream advances in the server's thread (no hop), in a copy of the context the
  request ran in, so it sees the context variables middleware set, as under ASGI.
- An async stream, and every `EventStreamResponse` (its heartbeats need a loop), runs as
  one task on the app's loop from its first chunk to `aclose()`, as the ASGI handler's
  `send_response` does; a `Handoff` passes each chunk when the server asks for the next,
  so nothing is read ahead. Closing early (the client left) cancels that task: the
  stream sees CancelledError and its `finally` blocks run, as under ASGI.
- `close()`, which the server calls after the last byte or when the client left, closes
  the response, then starts the after-response work on the loop without waiting for it
  (the worker's shut-down does), then closes the request's uploaded files.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from legato._runtime.loop_thread import Handoff, LoopThread
from legato.handlers.after_response import run_after_response
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase, RunSync, StreamingHttpResponse
from legato.http.sse import EventStreamResponse
from legato.sync import ThreadPool

__all__ = ["body_for"]

StartResponse = Callable[..., Any]


def body_for(
    request: HttpRequest,
    response: HttpResponseBase,
    start_response: StartResponse,
    loop: LoopThread,
    pool: ThreadPool,
) -> Iterable[bytes]:
    """Start the response and return its body, for the server to iterate and close."""
    if not isinstance(response, (HttpResponse, StreamingHttpResponse)):
        response.close()
        raise TypeError(f"Cannot send a {type(response).__name__}; it has no body.")
    try:
        start_response(f"{response.status_code} {response.reason_phrase}", response.wsgi_headers())
    except BaseException:
        _close_now(response, loop)
        raise
    if request.method == "HEAD":
        return _in_memory(b"", request, response, loop, pool)
    if isinstance(response, HttpResponse):
        return _in_memory(response.content, request, response, loop, pool)
    if response.is_async or isinstance(response, EventStreamResponse):
        return _AsyncStream(response, request, loop, pool)
    return _SyncStream(response, request, loop, pool)


def _in_memory(
    content: bytes,
    request: HttpRequest,
    response: HttpResponseBase,
    loop: LoopThread,
    pool: ThreadPool,
) -> Iterable[bytes]:
    _close_now(response, loop)
    chunks = [content] if content else []
    if not request.after_response_calls:
        request.close()
        return chunks
    return _ClosingBody(iter(chunks), request, loop, pool)


def _close_now(response: HttpResponseBase, loop: LoopThread) -> None:
    if isinstance(response, StreamingHttpResponse) and response.is_async:
        loop.run(response.aclose())  # an async source is closed on the loop it belongs to
    else:
        response.close()


class _ClosingBody:
    """Chunks for the server; `close()` ends the request."""

    def __init__(
        self, chunks: Iterator[bytes], request: HttpRequest, loop: LoopThread, pool: ThreadPool
    ) -> None:
        self._chunks = chunks
        self._request = request
        self._loop = loop
        self._pool = pool
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._close_response()
        finally:
            self._end_request()

    def _close_response(self) -> None:
        pass  # closed before the body was returned

    def _end_request(self) -> None:
        request = self._request
        if request.after_response_calls:
            self._loop.submit(_after_response(request, self._pool))
        else:
            request.close()


async def _after_response(request: HttpRequest, pool: ThreadPool) -> None:
    try:
        await run_after_response(request, pool)
    finally:
        request.close()


class _SyncStream(_ClosingBody):
    """A sync iterator's chunks, each made in the server's thread as it asks."""

    def __init__(
        self,
        response: StreamingHttpResponse,
        request: HttpRequest,
        loop: LoopThread,
        pool: ThreadPool,
    ) -> None:
        super().__init__(response.iter_chunks(), request, loop, pool)
        self._response = response
        self._context = contextvars.copy_context()

    def __next__(self) -> bytes:
        return self._context.run(next, self._chunks)

    def _close_response(self) -> None:
        self._response.close()


class _AsyncStream(_ClosingBody):
    """An async stream run as one task on the loop, handing over one chunk per `next()`."""

    def __init__(
        self,
        response: StreamingHttpResponse,
        request: HttpRequest,
        loop: LoopThread,
        pool: ThreadPool,
    ) -> None:
        super().__init__(iter(()), request, loop, pool)
        self._response = response
        self._handoff: Handoff[bytes] = Handoff(loop)
        self._call = loop.submit(self._pump(response, pool.run))

    async def _pump(self, response: StreamingHttpResponse, run_sync: RunSync) -> None:
        error: BaseException | None = None
        try:
            async for chunk in response.aiter_chunks(run_sync):
                await self._handoff.put(chunk)
        except Exception as exc:
            error = exc
        finally:
            try:
                await response.aclose()
            finally:
                self._handoff.end(error)

    def __next__(self) -> bytes:
        return self._handoff.get()

    def _close_response(self) -> None:
        self._call.cancel()  # nothing to cancel once the stream has ended
        try:
            self._call.result()
        except asyncio.CancelledError:
            # What the stream does when the client leaves. If the task was cancelled
            # before its first step, its `finally` never ran: close the response here.
            self._loop.run(self._response.aclose())

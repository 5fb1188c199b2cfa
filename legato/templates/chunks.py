"""Group the many small pieces of a streamed template into chunks worth a send each.

Jinja2 yields a piece for every run of text and every `{{ value }}`: thousands for a
large page, far too many to send one by one. `chunks()` sends what has accumulated
whenever rendering waits (a template awaiting a database call, say), or when it reaches
`size` characters. So the page's head leaves before a slow part of its body is rendered,
and a fast template goes out in few, large chunks.

How it knows that rendering waits: the template renders in a task of its own that adds
each piece to a buffer. This generator runs only when that task lets the loop go: when
it waits for something, or when a full buffer makes it wait for the buffer to be sent.
Either way, whatever is buffered then is one chunk. The task runs in a copy of the
request's context (reverse() and the script prefix work in it); when the stream is
closed (the client left) the task is cancelled, and the template's `finally` blocks run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

__all__ = ["chunks"]

DEFAULT_CHUNK_SIZE = 16 * 1024


async def chunks(pieces: AsyncIterator[str], size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[str]:
    """`pieces` joined into chunks, one each time rendering waits or `size` is reached."""
    buffer = _Buffer(size)
    producer = asyncio.ensure_future(buffer.fill(pieces))
    try:
        while (chunk := await buffer.take()) is not None:
            yield chunk
        await producer  # ended: raises what rendering raised, if anything
    finally:
        if not producer.done():
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
        elif not producer.cancelled():
            producer.exception()  # seen: no "exception was never retrieved" at exit


class _Buffer:
    """Pieces between the rendering task and the sender, with one wake-up each way."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pieces: list[str] = []
        self.length = 0
        self.ended = False
        self.filled = asyncio.Event()  # set when there is something to take, or at the end
        self.drained = asyncio.Event()  # set when a full buffer has been taken

    async def fill(self, pieces: AsyncIterator[str]) -> None:
        try:
            async for piece in pieces:
                if not piece:
                    continue  # nothing to send, and an empty chunk would still cost a send
                self.pieces.append(piece)
                self.length += len(piece)
                self.filled.set()
                if self.length >= self.size:
                    self.drained.clear()
                    await self.drained.wait()
        finally:
            self.ended = True
            self.filled.set()
            aclose = getattr(pieces, "aclose", None)
            if aclose is not None:
                await aclose()

    async def take(self) -> str | None:
        """What has accumulated, once there is some; None once rendering has ended."""
        while not self.pieces:
            if self.ended:
                return None
            self.filled.clear()
            await self.filled.wait()
        chunk = "".join(self.pieces)
        self.pieces.clear()
        self.length = 0
        self.drained.set()
        return chunk

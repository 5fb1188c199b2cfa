"""Grouping a template's pieces: one chunk each time rendering waits, or per `size`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.templates.chunks import chunks

pytestmark = pytest.mark.anyio


async def pieces_from(script: list[str | None]) -> AsyncIterator[str]:
    """Yield each string; a None is a moment where rendering waits (a real suspension)."""
    for step in script:
        if step is None:
            await asyncio.sleep(0)
        else:
            yield step


async def collect(script: list[str | None], size: int = 1024) -> list[str]:
    return [chunk async for chunk in chunks(pieces_from(script), size)]


async def test_pieces_made_without_waiting_are_one_chunk() -> None:
    assert await collect(["<html>", "<li>", "1", "</li>"]) == ["<html><li>1</li>"]


async def test_each_wait_sends_what_came_before_it() -> None:
    script = ["<head>", None, "<li>1", None, None, "<li>2", "<li>3"]
    assert await collect(script) == ["<head>", "<li>1", "<li>2<li>3"]


async def test_a_full_buffer_is_sent_without_waiting_for_the_end() -> None:
    assert await collect(["a" * 10] * 6, size=25) == ["a" * 30, "a" * 30]


async def test_an_error_comes_after_the_pieces_rendered_before_it() -> None:
    async def failing() -> AsyncIterator[str]:
        yield "before"
        await asyncio.sleep(0)
        raise ValueError("in the template")

    stream = chunks(failing())
    assert await anext(stream) == "before"
    with pytest.raises(ValueError, match="in the template"):
        await anext(stream)


async def test_closing_the_stream_stops_rendering_and_runs_its_cleanup() -> None:
    cleaned = asyncio.Event()

    async def endless() -> AsyncIterator[str]:
        try:
            while True:
                yield "row"
                await asyncio.sleep(0.001)
        finally:
            cleaned.set()

    stream = chunks(endless())
    assert await anext(stream) == "row"
    await stream.aclose()  # type: ignore[attr-defined]
    assert cleaned.is_set()


async def test_rendering_runs_in_the_context_of_the_stream() -> None:
    from contextvars import ContextVar

    where: ContextVar[str] = ContextVar("where", default="nowhere")

    async def reads_context() -> AsyncIterator[str]:
        yield where.get()

    where.set("request")
    assert [chunk async for chunk in chunks(reads_context())] == ["request"]


@given(
    script=st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=40),
    size=st.integers(min_value=1, max_value=64),
)
def test_chunks_hold_every_piece_in_order(script: list[str | None], size: int) -> None:
    sent = asyncio.run(collect(script, size))
    assert "".join(sent) == "".join(step for step in script if step is not None)
    assert all(sent)  # never an empty chunk

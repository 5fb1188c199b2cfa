"""The ASGI sender: blocks, never the whole file, and it stops when the client leaves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from legato.static.serve import CHUNK_SIZE, StaticFiles
from legato.static.table import StaticTable
from legato.sync import ThreadPool

SIZE = 40 * CHUNK_SIZE


def static_files(tmp_path: Path) -> StaticFiles:
    (tmp_path / "big.bin").write_bytes(b"x" * SIZE)
    return StaticFiles(StaticTable.load(None, (str(tmp_path),), 60), "/static/", ThreadPool(2))


def scope() -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/static/big.bin", "headers": []}


@pytest.mark.anyio
async def test_file_is_sent_in_blocks(tmp_path: Path) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client stays
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    assert await static_files(tmp_path).asgi(scope(), receive, send)
    bodies = [message["body"] for message in sent[1:]]
    assert max(len(body) for body in bodies) == CHUNK_SIZE
    assert sum(len(body) for body in bodies) == SIZE
    assert sent[-1] == {"type": "http.response.body", "body": b""}


@pytest.mark.anyio
async def test_reading_stops_when_the_client_leaves(tmp_path: Path) -> None:
    sent: list[dict[str, Any]] = []
    left = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if len(sent) == 3:
            left.set()
        await asyncio.sleep(0)

    assert await static_files(tmp_path).asgi(scope(), receive, send)
    assert len(sent) < 10  # of 41 blocks

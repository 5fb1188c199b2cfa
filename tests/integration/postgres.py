"""Start a throw-away PostgreSQL server on 127.0.0.1 and a free port, for one test session."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.integration.servers import free_port, require_binary


def _postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        require_binary("initdb", "postgresql")  # skips (or fails under CI)
    return os.path.dirname(found[-1])


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as root, run it as the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield an asyncpg SQLAlchemy URL to a fresh database on a private server."""
    bin_dir = _postgres_bin()
    data = tempfile.mkdtemp(prefix="legato-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(
        _as_postgres_user(
            [f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        _as_postgres_user(
            [
                f"{bin_dir}/postgres",
                "-D",
                data,
                "-p",
                str(port),
                "-k",
                data,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_and_create(port, "legato_test")
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/legato_test"
    finally:
        server.terminate()  # SIGTERM: a smart shut-down; we started it, we end it by PID
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        shutil.rmtree(data, ignore_errors=True)


def _wait_and_create(port: int, name: str, deadline: float = 20.0) -> None:
    import asyncpg

    async def create() -> None:
        connection = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    stop = time.monotonic() + deadline
    while True:
        try:
            asyncio.run(create())
            return
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > stop:
                raise
            time.sleep(0.1)

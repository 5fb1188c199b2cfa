"""Logins on a real server (uvicorn and granian): the stall detector stays silent, the
session works."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import SERVERS, legato_process, output_of, server_options

pytestmark = pytest.mark.integration


async def log_in(base_url: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        data = {"username": "ada", "password": password}
        response = await client.post("/accounts/login/", data=data)
        if response.status_code == 302:
            assert (await client.get("/whoami/")).json()["user"] == "ada"
        return response


@pytest.mark.parametrize("server", SERVERS)
def test_concurrent_logins_do_not_stall_the_loop(tmp_path: Path, server: str) -> None:
    env = {
        "LEGATO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'users.sqlite3'}",
        "LEGATO_STALL_THRESHOLD": "0.1",
    }
    options = server_options(server)
    with legato_process("tests.auth.server_app:app", *options, env=env) as (base_url, process):
        # One login first: start-up and first uses (SQLAlchemy compiles code on the loop
        # the first time) are not what this test is about.
        assert asyncio.run(log_in(base_url, "ada's password")).status_code == 302
        time.sleep(0.3)  # a stall is logged when the loop turns again
        before = output_of(process).count("Event loop blocked")

        async def logins() -> list[httpx.Response]:
            passwords = ["ada's password", "wrong"] * 5
            return await asyncio.gather(*(log_in(base_url, p) for p in passwords))

        answers = asyncio.run(logins())
        assert sorted(answer.status_code for answer in answers) == [200] * 5 + [302] * 5
        time.sleep(0.3)
        output = output_of(process)
        assert output.count("Event loop blocked") == before, output

"""What a login costs the event loop and what its timing tells: nothing, and almost nothing.

Hashing runs in the thread pool: the stall detector stays silent while logins with the
default Argon2 parameters (64 MiB, 3 passes, 4 lanes) are checked, and reports stalls
when the same hashing is done on the loop (so the test can fail). An unknown username
costs as long as a wrong password for a known one: medians of alternating attempts,
compared with a bound generous enough for a noisy 2-core machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import pytest

from legato.auth import hashers
from legato.test import AsyncClient
from tests.auth.site import site_app

ADA = {"username": "ada", "password": "ada's password"}
DEFAULT_HASHING = {
    "password_hash_time_cost": 3,
    "password_hash_memory_cost": 65_536,
    "password_hash_parallelism": 4,
}
NO_THROTTLE = {"login_failure_limit": 10_000, "login_failure_address_limit": 10_000}


async def logins(client: AsyncClient, count: int) -> None:
    attempts = [ADA, {**ADA, "password": "wrong"}, {"username": "nobody", "password": "x"}]
    answers = await asyncio.gather(
        *(client.post("/accounts/login/", attempts[n % 3]) for n in range(count))
    )
    assert sorted({answer.status_code for answer in answers}) == [200, 302]


@pytest.mark.anyio
async def test_logins_do_not_stall_the_event_loop() -> None:
    app = site_app([ADA], stall_threshold=0.1, **DEFAULT_HASHING, **NO_THROTTLE)
    async with AsyncClient(app) as client:
        await logins(client, 3)  # first uses: SQLAlchemy compiles code on the loop once
        before = app.stats()["loop_stalls"]
        await logins(client, 9)
        await asyncio.sleep(0.1)  # the heartbeat that would see a stall
        assert app.stats()["loop_stalls"] == before


@pytest.mark.anyio
async def test_hashing_on_the_loop_would_be_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    async def on_the_loop(app: Any, call: Any) -> Any:
        return call()  # what the pool avoids

    monkeypatch.setattr(hashers, "_in_pool", on_the_loop)
    # One verify holds the loop about 0.1 s here: at a 0.1 s threshold, whether it counts
    # would depend on the machine (and on whether this process made its dummy hash yet).
    app = site_app([ADA], stall_threshold=0.04, **DEFAULT_HASHING, **NO_THROTTLE)
    async with AsyncClient(app) as client:
        await logins(client, 3)
        await asyncio.sleep(0.1)  # the heartbeat that sees the stall
        assert app.stats()["loop_stalls"] > 0


async def timed_post(client: AsyncClient, data: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.post("/accounts/login/", data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200  # a failed login either way
    return elapsed


@pytest.mark.anyio
async def test_unknown_user_takes_as_long_as_a_wrong_password() -> None:
    hashing = {
        **DEFAULT_HASHING,
        "password_hash_memory_cost": 16_384,
        "password_hash_parallelism": 1,
    }
    app = site_app([ADA], **hashing, **NO_THROTTLE)
    known = {**ADA, "password": "wrong"}
    unknown = {"username": "nobody", "password": "wrong"}
    async with AsyncClient(app) as client:
        await timed_post(client, unknown)  # the dummy hash is made on first use
        await timed_post(client, known)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for _ in range(15):
            times["known"].append(await timed_post(client, known))
            times["unknown"].append(await timed_post(client, unknown))
    known_median = statistics.median(times["known"])
    unknown_median = statistics.median(times["unknown"])
    print(
        f"median failed login: known user {known_median * 1000:.1f} ms, "
        f"unknown user {unknown_median * 1000:.1f} ms"
    )
    # The hash dominates both; without the dummy check the unknown user's would be a
    # small fraction of the known one's.
    assert 0.6 < unknown_median / known_median < 1.6

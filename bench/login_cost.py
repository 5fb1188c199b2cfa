"""What a login costs: `flock /tmp/legato-bench.lock python -m bench.login_cost`.

1. One Argon2id verify with the default parameters (64 MiB, 3 passes, 4 lanes), on one
   thread: the median of `--rounds`.
2. Logins per second: `--logins` POSTs to the auth views' login page of an in-process
   app (sessions in signed cookies, users in a SQLite file), `--concurrency` at a time,
   half of them right and half wrong (both verify a hash). Each runs the whole view:
   form, throttle check, user query, verify in the pool, session and last_login.
3. The event loop stalls the app's detector reported meanwhile (threshold 0.1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from legato import App
from legato.auth import AuthenticationMiddleware, create_user
from legato.auth.hashers import HASH_CONCURRENCY, HashParameters, check_password, make_password
from legato.auth.models import Base
from legato.sessions import SessionMiddleware
from legato.test import AsyncClient
from legato.urls import include, path

__all__ = ["main"]


def verify_time(rounds: int) -> float:
    parameters = HashParameters()
    encoded = make_password("a pass phrase", parameters)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        check_password("a pass phrase", encoded, parameters)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def login_app(directory: Path) -> App:
    app: App

    async def set_up() -> None:
        assert app.database is not None
        await app.database.create_all(Base.metadata)
        await create_user("ada", password="a pass phrase", app=app)

    app = App(
        [path("accounts/", include("legato.auth.urls"))],
        middleware=[SessionMiddleware, AuthenticationMiddleware],
        database=f"sqlite+aiosqlite:///{directory / 'users.sqlite3'}",
        secret_key="bench",
        stall_threshold=0.1,
        login_failure_limit=1_000_000,
        login_failure_address_limit=1_000_000,
        on_startup=[set_up],
    )
    return app


async def login_rate(logins: int, concurrency: int) -> tuple[float, float, int]:
    """(logins per second, median seconds per login, loop stalls)."""
    with tempfile.TemporaryDirectory() as directory:
        app = login_app(Path(directory))
        async with AsyncClient(app) as client:
            right = {"username": "ada", "password": "a pass phrase"}
            wrong = {"username": "ada", "password": "not it"}
            latencies: list[float] = []
            slots = asyncio.Semaphore(concurrency)

            async def one(number: int) -> None:
                async with slots:
                    started = time.perf_counter()
                    response = await client.post("/accounts/login/", right if number % 2 else wrong)
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code in (200, 302), response.status_code

            await one(0)  # warm: tables, dummy hash, compiled templates
            latencies.clear()
            started = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(logins)))
            elapsed = time.perf_counter() - started
            return logins / elapsed, statistics.median(latencies), app.stats()["loop_stalls"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--logins", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args(argv)
    print(f"Argon2id verify (64 MiB, t=3, p=4): {verify_time(options.rounds) * 1000:.1f} ms median")
    rate, median, stalls = asyncio.run(login_rate(options.logins, options.concurrency))
    print(
        f"logins: {rate:.1f}/s over {options.logins} ({options.concurrency} at a time, "
        f"{HASH_CONCURRENCY} hashes at once), {median * 1000:.0f} ms median each, "
        f"{stalls} loop stalls"
    )


if __name__ == "__main__":
    main()

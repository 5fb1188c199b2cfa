"""Argon2id hashing: round trips, bounds, dummy checks for unknown users, rehash, the pool."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato import App
from legato.auth import hashers
from legato.auth.hashers import (
    MAX_PASSWORD_LENGTH,
    HashParameters,
    acheck_password,
    amake_password,
    check_password,
    is_password_usable,
    make_password,
    needs_rehash,
)

CHEAP = HashParameters(time_cost=1, memory_cost=8, parallelism=1)


def test_password_round_trips_and_is_argon2id() -> None:
    encoded = make_password("correct horse", CHEAP)
    assert encoded.startswith("$argon2id$")
    assert check_password("correct horse", encoded, CHEAP)
    assert not check_password("wrong horse", encoded, CHEAP)


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=40))
def test_any_text_round_trips_including_lone_surrogates(password: str) -> None:
    encoded = make_password(password, CHEAP)
    assert check_password(password, encoded, CHEAP)


def test_unknown_user_checks_a_dummy_hash_and_fails() -> None:
    slow = HashParameters(time_cost=2, memory_cost=8192, parallelism=1)
    make_password("warm up the dummy", slow)
    hashers._dummy_hash(slow)
    started = time.perf_counter()
    assert not check_password("anything", None, slow)
    # Not an early return: the dummy hash was verified (a few ms with these costs).
    assert time.perf_counter() - started > 0.002


def test_unusable_password_never_matches() -> None:
    encoded = make_password(None)
    assert not is_password_usable(encoded)
    assert not check_password(encoded, encoded, CHEAP)
    assert not check_password("", encoded, CHEAP)


def test_ten_megabyte_password_is_refused_at_once() -> None:
    huge = "x" * 10_000_000
    encoded = make_password("short one", CHEAP)
    started = time.perf_counter()
    assert not check_password(huge, encoded, CHEAP)
    assert time.perf_counter() - started < 0.05
    with pytest.raises(ValueError, match=f"at most {MAX_PASSWORD_LENGTH}"):
        make_password(huge, CHEAP)


def test_hash_of_other_parameters_verifies_and_needs_rehash() -> None:
    old = make_password("pw", HashParameters(time_cost=1, memory_cost=16, parallelism=1))
    assert check_password("pw", old, CHEAP)
    assert needs_rehash(old, CHEAP)
    assert not needs_rehash(make_password("pw", CHEAP), CHEAP)
    assert needs_rehash("not a hash", CHEAP)


def test_garbage_hash_is_a_failed_check_not_an_error() -> None:
    assert not check_password("pw", "$argon2id$garbage", CHEAP)
    assert not check_password("pw", "", CHEAP)


@pytest.mark.anyio
async def test_async_hashing_runs_in_the_pool_not_on_the_loop(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real = hashers.make_password

    def spy(*args: Any) -> str:
        threads.append(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(hashers, "make_password", spy)
    encoded = await amake_password("pw", app)
    assert threads
    assert threads[0] != threading.get_ident()
    assert await acheck_password("pw", encoded, app)
    assert not await acheck_password("nope", encoded, app)
    assert not await acheck_password("x" * 10_000_000, encoded, app)


@pytest.mark.anyio
async def test_at_most_one_hash_per_cpu_runs_at_once(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_hash(*args: Any) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return "hash"

    monkeypatch.setattr(hashers, "make_password", slow_hash)
    await asyncio.gather(*(amake_password("pw", app) for _ in range(4 * hashers.HASH_CONCURRENCY)))
    assert most == hashers.HASH_CONCURRENCY

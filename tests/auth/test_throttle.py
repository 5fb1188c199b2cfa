"""Failed-login counters in memory, the database and Redis, and the limits over them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from legato import App
from legato.auth.models import Base
from legato.auth.throttle import (
    Counters,
    DatabaseCounters,
    LoginThrottle,
    LoginThrottled,
    MemoryCounters,
    RedisCounters,
)
from legato.exceptions import ImproperlyConfigured, PermissionDenied
from tests.auth.conftest import make_app
from tests.channels.redis_server import running_redis


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


@pytest.fixture(params=["memory", "db", "redis"])
async def counters(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Counters]:
    if request.param == "memory":
        yield MemoryCounters()
    elif request.param == "db":
        # A file, as an app would have: an in-memory database is one shared connection,
        # on which concurrent transactions mix.
        app = make_app(database=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
        assert app.database is not None
        await app.database.create_all(Base.metadata)
        yield DatabaseCounters(app)
        await app.database.dispose()
    else:
        url = request.getfixturevalue("redis_url")
        counters = RedisCounters(url)
        yield counters
        import redis.asyncio

        async with redis.asyncio.Redis.from_url(url) as client:
            await client.flushdb()


def throttle(counters: Counters, window: float = 60.0) -> LoginThrottle:
    return LoginThrottle(counters, limit=3, address_limit=5, window=window)


@pytest.mark.anyio
async def test_username_is_refused_after_its_limit(counters: Counters) -> None:
    limits = throttle(counters)
    for _ in range(3):
        await limits.check("ada", "10.0.0.1")
        await limits.failed("ada", "10.0.0.1")
    with pytest.raises(LoginThrottled) as refused:
        await limits.check("ada", "10.0.0.2")  # another address does not help
    assert 1 <= refused.value.retry_after <= 60
    await limits.check("grace", "10.0.0.2")  # another user from elsewhere may try


@pytest.mark.anyio
async def test_username_limit_ignores_case_and_width(counters: Counters) -> None:
    limits = throttle(counters)
    for name in ("Ada", "ADA", "\uff41\uff44\uff41"):  # the last in full-width letters
        await limits.failed(name, None)
    with pytest.raises(LoginThrottled):
        await limits.check("ada", None)


@pytest.mark.anyio
async def test_address_is_refused_after_its_limit_across_usernames(counters: Counters) -> None:
    limits = throttle(counters)
    for number in range(5):
        await limits.failed(f"user{number}", "10.0.0.9")
    with pytest.raises(LoginThrottled):
        await limits.check("someone-new", "10.0.0.9")
    await limits.check("someone-new", "10.0.0.10")


@pytest.mark.anyio
async def test_success_clears_the_username_but_not_the_address(counters: Counters) -> None:
    limits = throttle(counters)
    for _ in range(2):
        await limits.failed("victim", "10.0.0.3")
        await limits.failed("victim2", "10.0.0.3")
    await limits.succeeded("victim")
    await limits.failed("victim", "10.0.0.3")  # 1 again, not 3
    await limits.check("victim", None)
    # The address has 5 failures: logging into one's own account does not wipe them.
    with pytest.raises(LoginThrottled):
        await limits.check("attackers-own", "10.0.0.3")


@pytest.mark.anyio
async def test_window_ends_and_counting_starts_again(counters: Counters) -> None:
    limits = throttle(counters, window=0.3)
    for _ in range(3):
        await limits.failed("ada", None)
    with pytest.raises(LoginThrottled) as refused:
        await limits.check("ada", None)
    assert refused.value.retry_after == 1  # rounded up, never 0
    await asyncio.sleep(0.4)
    await limits.check("ada", None)
    await limits.failed("ada", None)
    await limits.check("ada", None)


def test_refusal_is_a_permission_denied_naming_the_wait() -> None:
    refused = LoginThrottled(42)
    assert isinstance(refused, PermissionDenied)
    assert "42 seconds" in str(refused)


@pytest.mark.anyio
async def test_memory_counters_stay_bounded() -> None:
    counters = MemoryCounters(max_keys=100)
    for number in range(1000):
        await counters.hit([f"k{number}"], 60)
    assert len(counters._counts) == 100
    assert await counters.read(["k999"]) != [(0, 0.0)]


def test_counters_follow_the_session_store(redis_url: str) -> None:
    assert isinstance(LoginThrottle.for_app(make_app()).counters, MemoryCounters)
    in_db = LoginThrottle.for_app(make_app(session_store="db"))
    assert isinstance(in_db.counters, DatabaseCounters)
    by_url = LoginThrottle.for_app(make_app(session_store="redis", session_redis_url=redis_url))
    assert isinstance(by_url.counters, RedisCounters)
    by_channels = LoginThrottle.for_app(make_app(session_store="redis", channels=redis_url))
    assert isinstance(by_channels.counters, RedisCounters)
    assert by_channels.counters.url == redis_url


def test_settings_give_the_limits() -> None:
    limits = LoginThrottle.for_app(
        make_app(login_failure_limit=7, login_failure_address_limit=70, login_failure_window=9)
    )
    assert (limits.limit, limits.address_limit, limits.window) == (7, 70, 9)


def test_redis_store_without_a_url_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="session_redis_url"):
        LoginThrottle.for_app(make_app(session_store="redis"))


def test_db_store_without_a_database_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="database"):
        LoginThrottle.for_app(make_app(session_store="db", database=None))


@pytest.mark.anyio
async def test_concurrent_failures_are_all_counted(counters: Counters) -> None:
    await asyncio.gather(*(counters.hit(["same-key"], 60) for _ in range(10)))
    [(count, left)] = await counters.read(["same-key"])
    assert count == 10
    assert 0 < left <= 60


@pytest.mark.anyio
async def test_database_counters_delete_ended_windows(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func, select

    from legato.auth import throttle as module
    from legato.auth.models import LoginFailure

    monkeypatch.setattr(module, "CLEANUP_EVERY", 5)
    counters = DatabaseCounters(app)
    for number in range(4):
        await counters.hit([f"old{number}"], 0.01)
    await asyncio.sleep(0.05)
    await counters.hit(["new"], 60)  # the fifth: ended windows go
    assert app.database is not None
    async with app.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 1

"""The Session object alone: Django's mapping and expiry API, sync and async, and where
sync methods may do I/O."""

from __future__ import annotations

import asyncio
import datetime
import gc
import threading
import weakref
from typing import Any, ClassVar

import pytest

from legato import App
from legato.context import current_app
from legato.exceptions import SynchronousOnlyOperation
from legato.http import HttpRequest, HttpResponse
from legato.sessions import Session, SessionMiddleware, SignedCookieStore
from legato.sessions.options import SessionOptions
from legato.signing import SecretKeys
from legato.sync import iscoroutinefunction
from tests.sessions.apps import SECRET


class MemoryStore:
    """A store that waits for I/O (a sleep(0)), kept in a dict."""

    name: ClassVar[str] = "memory"
    needs_io: ClassVar[bool] = True

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.count = 0

    async def load(self, session_key: str) -> dict[str, Any] | None:
        await asyncio.sleep(0)
        return dict(self.data[session_key]) if session_key in self.data else None

    async def save(self, session_key: str | None, data: dict[str, Any], max_age: int) -> str:
        await asyncio.sleep(0)
        if session_key is None:
            self.count += 1
            session_key = f"key{self.count}"
        self.data[session_key] = dict(data)
        return session_key

    async def delete(self, session_key: str) -> None:
        self.data.pop(session_key, None)

    async def close(self) -> None:
        pass


def signed() -> Session:
    return Session(SignedCookieStore(SecretKeys(SECRET), "sessionid"), session_key=None)


def test_mapping_methods_follow_django() -> None:
    session = signed()
    assert session.is_empty()
    assert not session.accessed
    session["a"] = 1
    session.update({"b": 2})
    assert session.setdefault("a", 5) == 1
    assert session.setdefault("c", 3) == 3
    assert "a" in session
    assert session.has_key("b")
    assert sorted(session.keys()) == ["a", "b", "c"]
    assert sorted(session.values()) == [1, 2, 3]
    assert sorted(session.items()) == [("a", 1), ("b", 2), ("c", 3)]
    assert session.pop("c") == 3
    assert session.pop("missing", None) is None
    with pytest.raises(KeyError):
        session.pop("missing")
    del session["b"]
    assert session.get("b", "gone") == "gone"
    assert session.accessed
    assert session.modified
    assert not session.is_empty()
    session.clear()
    assert session.is_empty()


def test_reading_does_not_modify() -> None:
    session = signed()
    assert session.get("x") is None
    assert session.pop("x", None) is None
    assert session.accessed
    assert not session.modified


@pytest.mark.anyio
async def test_async_methods_follow_django() -> None:
    session = signed()
    await session.aset("a", 1)
    await session.aupdate({"b": 2})
    assert await session.asetdefault("a", 9) == 1
    assert await session.ahas_key("b")
    assert sorted(await session.akeys()) == ["a", "b"]
    assert sorted(await session.avalues()) == [1, 2]
    assert sorted(await session.aitems()) == [("a", 1), ("b", 2)]
    assert await session.apop("b") == 2
    assert await session.aget("b", 0) == 0
    await session.aset_test_cookie()
    assert await session.atest_cookie_worked()
    await session.adelete_test_cookie()
    assert not await session.atest_cookie_worked()


def test_expiry_defaults_to_the_cookie_age() -> None:
    session = Session(MemoryStore(), SessionOptions(cookie_age=600), session_key=None)
    assert session.get_session_cookie_age() == 600
    assert session.get_expiry_age() == 600
    assert not session.get_expire_at_browser_close()


def test_set_expiry_takes_seconds_datetimes_timedeltas_zero_and_none() -> None:
    session = signed()
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    session.set_expiry(300)
    assert session.get_expiry_age() == 300
    session.set_expiry(now + datetime.timedelta(seconds=90))
    assert session.get_expiry_age(modification=now) == 90
    assert session.get_expiry_date() == now + datetime.timedelta(seconds=90)
    session.set_expiry(datetime.timedelta(hours=1))
    assert 3590 <= session.get_expiry_age() <= 3600
    session.set_expiry(0)
    assert session.get_expire_at_browser_close()
    assert session.get_expiry_age() == 1_209_600
    session.set_expiry(None)
    assert not session.get_expire_at_browser_close()
    assert session.get_expiry_age(expiry=60) == 60
    assert session.get_expiry_date(modification=now, expiry=60) == now + datetime.timedelta(
        seconds=60
    )


@pytest.mark.anyio
async def test_async_expiry_methods() -> None:
    session = signed()
    await session.aset_expiry(120)
    assert await session.aget_expiry_age() == 120
    assert not await session.aget_expire_at_browser_close()
    assert await session.aget_expiry_date() > datetime.datetime.now(datetime.UTC)


@pytest.mark.anyio
async def test_sync_method_on_the_loop_with_a_store_that_waits_names_the_async_one() -> None:
    session = Session(MemoryStore(), session_key="key1")
    with pytest.raises(SynchronousOnlyOperation, match=r"await request\.session\.aget"):
        session.get("a")
    with pytest.raises(SynchronousOnlyOperation, match="acycle_key"):
        session.cycle_key()
    with pytest.raises(SynchronousOnlyOperation, match="aflush"):
        session.flush()


@pytest.mark.anyio
async def test_after_aload_sync_reads_need_no_io() -> None:
    store = MemoryStore()
    store.data["key1"] = {"a": 1}
    session = Session(store, session_key="key1")
    assert await session.aload() == {"a": 1}
    assert session["a"] == 1
    session["b"] = 2  # changes in memory; saved by the middleware
    assert session.modified


@pytest.mark.anyio
async def test_acycle_key_keeps_data_under_a_new_key_and_deletes_the_old() -> None:
    store = MemoryStore()
    store.data["key0"] = {"user": 7}
    session = Session(store, session_key="key0")
    await session.acycle_key()
    assert session.session_key == "key1"
    assert store.data == {"key1": {"user": 7}}
    assert await session.aget("user") == 7


@pytest.mark.anyio
async def test_aflush_deletes_data_and_key() -> None:
    store = MemoryStore()
    store.data["key0"] = {"user": 7}
    session = Session(store, session_key="key0")
    await session.aflush()
    assert session.session_key is None
    assert session.is_empty()
    assert store.data == {}


@pytest.mark.anyio
async def test_unknown_key_is_dropped_when_loaded() -> None:
    session = Session(MemoryStore(), session_key="chosen-by-the-client")
    assert await session.aload() == {}
    assert session.session_key is None


def test_sync_methods_off_the_loop_run_the_store() -> None:
    # In a sync view's thread. With a real store the call waits for the app's loop
    # (async_to_sync): test_stores.py runs the database and Redis stores that way.
    store = MemoryStore()
    store.data["key0"] = {"a": 1}
    session = Session(store, session_key="key0")
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append((session.cycle_key(), session["a"])))
    thread.start()
    thread.join(10)
    assert results == [(None, 1)]
    assert list(store.data) == ["key1"]


@pytest.mark.parametrize("use", [False, True])
def test_request_is_freed_without_the_garbage_collector(use: bool) -> None:
    app = App([], middleware=[SessionMiddleware], secret_key=SECRET)
    token = current_app.set(app)
    try:
        middleware = SessionMiddleware(_async_view)  # provides request.session lazily
        request = HttpRequest({"type": "http", "headers": [], "method": "GET", "path": "/"})
        if use:
            request.session["a"] = 1  # type: ignore[attr-defined]
        middleware.process_response(request, HttpResponse(""))  # sync: signed cookies
        gone = weakref.ref(request)
        gc.disable()
        try:
            del request
            assert gone() is None  # freed at once: no cycle through the session is left
        finally:
            gc.enable()
    finally:
        current_app.reset(token)


async def _async_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@pytest.mark.parametrize(
    ("settings", "awaited"),
    [({}, False), ({"session_store": "db", "database": "sqlite+aiosqlite://"}, True)],
)
def test_process_response_is_awaited_only_for_stores_that_wait(
    settings: dict[str, Any], awaited: bool
) -> None:
    app = App([], middleware=[SessionMiddleware], secret_key=SECRET, **settings)
    token = current_app.set(app)  # as App.build() does while it calls the factories
    try:
        middleware = SessionMiddleware(_async_view)
    finally:
        current_app.reset(token)
    assert iscoroutinefunction(middleware.process_response) is awaited


def test_app_build_makes_the_app_current_for_middleware_factories() -> None:
    seen: list[object] = []

    def factory(get_response: Any) -> Any:
        seen.append(current_app.get())
        return get_response

    factory.async_capable = True  # type: ignore[attr-defined]
    app = App([], middleware=[factory])
    app.build()
    assert seen == [app]
    assert current_app.get() is None

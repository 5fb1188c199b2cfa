"""`request.session`: Django's session API, sync and async, over any store.

The data is loaded on first use, not when the request arrives: a view that never touches
its session costs no cookie parsing and no store round trip. `accessed` and `modified`
tell the middleware whether to add `Vary: Cookie` and whether to save.

Sync methods (`session["cart"]`, `get`, `cycle_key`, ...) and their async twins (`aget`,
`acycle_key`, ...) share one implementation: the async one. A store without I/O (signed
cookies) runs it inline, so sync methods work everywhere. A store with I/O (db, redis)
is awaited on the app's event loop: from a sync view's thread the sync methods wait for
the loop (async_to_sync); on the loop itself they would block it, so they raise
SynchronousOnlyOperation naming the async method, unless the data is already loaded
(`await request.session.aload()`) and the method needs nothing more from the store.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable, Coroutine, ItemsView, KeysView, ValuesView
from typing import Any, TypeVar

from legato._runtime.bridge import run_inline
from legato.exceptions import SynchronousOnlyOperation
from legato.sessions.options import SessionOptions
from legato.sessions.stores.base import SessionStore
from legato.sync import async_to_sync

__all__ = ["EXPIRY_KEY", "Session"]

R = TypeVar("R")

# Where set_expiry() keeps its value in the data, as Django.
EXPIRY_KEY = "_session_expiry"
TEST_COOKIE_NAME = "testcookie"
TEST_COOKIE_VALUE = "worked"
_MISSING: Any = object()
_UNREAD: Any = object()
_DEFAULT_OPTIONS = SessionOptions()


class Session:
    """One request's session: a mapping loaded from `store` on first use."""

    def __init__(
        self,
        store: SessionStore,
        options: SessionOptions = _DEFAULT_OPTIONS,
        request: Any = None,
        session_key: str | None = _UNREAD,
    ) -> None:
        """`session_key`, or the session cookie of `request` (read when first needed)."""
        # Few assignments: one Session is made per request, used or not. The request
        # and its session refer to each other; SessionMiddleware breaks that cycle when
        # the response goes out, so that the request's objects are freed then rather
        # than left to the garbage collector.
        self._store = store
        self._options = options
        self._request = request
        if session_key is not _UNREAD:
            self._key = session_key

    # Class-level defaults, shadowed per instance once set.
    _key: str | None = _UNREAD
    _request: Any = None
    _cache: dict[str, Any] | None = None
    accessed = False
    modified = False

    # ------------------------------------------------------------ key and loading

    @property
    def session_key(self) -> str | None:
        key = self._key
        if key is _UNREAD:
            request = self._request
            cookies = {} if request is None else request.COOKIES
            key = self._key = cookies.get(self._options.cookie_name) or None
        return key

    @property
    def store(self) -> SessionStore:
        return self._store

    @property
    def options(self) -> SessionOptions:
        return self._options

    def _data(self, async_name: str) -> dict[str, Any]:
        self.accessed = True
        if self._cache is None:
            self._cache = self._run(async_name, self._load)
        return self._cache

    async def _adata(self) -> dict[str, Any]:
        self.accessed = True
        if self._cache is None:
            self._cache = await self._load()
        return self._cache

    async def _load(self) -> dict[str, Any]:
        key = self.session_key
        if key is None:
            return {}
        data = await self._store.load(key)
        if data is None:
            # Unknown, expired or forged: start afresh under a new key, never under one
            # the client chose (session fixation).
            self._key = None
            return {}
        return data

    def _run(
        self, async_name: str, function: Callable[..., Coroutine[Any, Any, R]], *args: Any
    ) -> R:
        """Run an async step from a sync method: inline, via the loop, or refuse."""
        if not self._store.needs_io:
            return run_inline(function(*args))
        if _on_event_loop():
            raise SynchronousOnlyOperation(
                f"This session method needs the {self._store.name!r} session store, which "
                "waits for I/O, and was called on the event loop (an async view, "
                f"middleware or template), where it would block. Use `await "
                f"request.session.{async_name}(...)` instead, or `await "
                "request.session.aload()` before using the sync methods."
            )
        return async_to_sync(function)(*args)

    def load(self) -> dict[str, Any]:
        """Load the data now (if not loaded yet) and return it."""
        return self._data("aload")

    async def aload(self) -> dict[str, Any]:
        """Load the data now (if not loaded yet) and return it; sync methods then need no I/O."""
        return await self._adata()

    # ------------------------------------------------------------ mapping

    def __contains__(self, key: str) -> bool:
        return key in self._data("ahas_key")

    def __getitem__(self, key: str) -> Any:
        return self._data("aget")[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data("aset")[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data("apop")[key]
        self.modified = True

    def get(self, key: str, default: Any = None) -> Any:
        return self._data("aget").get(key, default)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        return _pop(self, self._data("apop"), key, default)

    def setdefault(self, key: str, value: Any) -> Any:
        return _setdefault(self, self._data("asetdefault"), key, value)

    def update(self, dict_: Any) -> None:
        self._data("aupdate").update(dict_)
        self.modified = True

    def has_key(self, key: str) -> bool:
        return key in self._data("ahas_key")

    def keys(self) -> KeysView[str]:
        return self._data("akeys").keys()

    def values(self) -> ValuesView[Any]:
        return self._data("avalues").values()

    def items(self) -> ItemsView[str, Any]:
        return self._data("aitems").items()

    def clear(self) -> None:
        # Nothing is loaded: whatever was there is gone anyway.
        self._cache = {}
        self.accessed = self.modified = True

    def is_empty(self) -> bool:
        """Whether there is neither a key nor data (loads nothing)."""
        return not self.session_key and not self._cache

    async def aget(self, key: str, default: Any = None) -> Any:
        return (await self._adata()).get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        (await self._adata())[key] = value
        self.modified = True

    async def apop(self, key: str, default: Any = _MISSING) -> Any:
        return _pop(self, await self._adata(), key, default)

    async def asetdefault(self, key: str, value: Any) -> Any:
        return _setdefault(self, await self._adata(), key, value)

    async def aupdate(self, dict_: Any) -> None:
        (await self._adata()).update(dict_)
        self.modified = True

    async def ahas_key(self, key: str) -> bool:
        return key in await self._adata()

    async def akeys(self) -> KeysView[str]:
        return (await self._adata()).keys()

    async def avalues(self) -> ValuesView[Any]:
        return (await self._adata()).values()

    async def aitems(self) -> ItemsView[str, Any]:
        return (await self._adata()).items()

    # ------------------------------------------------------------ test cookie

    def set_test_cookie(self) -> None:
        self[TEST_COOKIE_NAME] = TEST_COOKIE_VALUE

    async def aset_test_cookie(self) -> None:
        await self.aset(TEST_COOKIE_NAME, TEST_COOKIE_VALUE)

    def test_cookie_worked(self) -> bool:
        return bool(self.get(TEST_COOKIE_NAME) == TEST_COOKIE_VALUE)

    async def atest_cookie_worked(self) -> bool:
        return bool(await self.aget(TEST_COOKIE_NAME) == TEST_COOKIE_VALUE)

    def delete_test_cookie(self) -> None:
        del self[TEST_COOKIE_NAME]

    async def adelete_test_cookie(self) -> None:
        await self.apop(TEST_COOKIE_NAME)

    # ------------------------------------------------------------ expiry

    def get_session_cookie_age(self) -> int:
        return self._options.cookie_age

    def get_expiry_age(self, **kwargs: Any) -> int:
        """Seconds until the session expires (from `modification`, default now)."""
        return self._expiry_age(self._expiry(kwargs, "aget_expiry_age"), kwargs)

    async def aget_expiry_age(self, **kwargs: Any) -> int:
        return self._expiry_age(await self._aexpiry(kwargs), kwargs)

    def get_expiry_date(self, **kwargs: Any) -> datetime.datetime:
        """When the session expires, an aware UTC datetime."""
        return self._expiry_date(self._expiry(kwargs, "aget_expiry_date"), kwargs)

    async def aget_expiry_date(self, **kwargs: Any) -> datetime.datetime:
        return self._expiry_date(await self._aexpiry(kwargs), kwargs)

    def set_expiry(self, value: int | datetime.datetime | datetime.timedelta | None) -> None:
        """Seconds of inactivity, a datetime, a timedelta, 0 (browser close) or None (the
        app's default), as Django's."""
        _set_expiry(self, self._data("aset_expiry"), value)

    async def aset_expiry(self, value: int | datetime.datetime | datetime.timedelta | None) -> None:
        _set_expiry(self, await self._adata(), value)

    def get_expire_at_browser_close(self) -> bool:
        return self._at_browser_close(self._data("aget_expire_at_browser_close").get(EXPIRY_KEY))

    async def aget_expire_at_browser_close(self) -> bool:
        return self._at_browser_close((await self._adata()).get(EXPIRY_KEY))

    def _expiry(self, kwargs: dict[str, Any], async_name: str) -> Any:
        return kwargs["expiry"] if "expiry" in kwargs else self._data(async_name).get(EXPIRY_KEY)

    async def _aexpiry(self, kwargs: dict[str, Any]) -> Any:
        return kwargs["expiry"] if "expiry" in kwargs else (await self._adata()).get(EXPIRY_KEY)

    def _expiry_age(self, expiry: Any, kwargs: dict[str, Any]) -> int:
        if not expiry:  # None or 0: the app's age
            return self._options.cookie_age
        if isinstance(expiry, int):
            return expiry
        modification: datetime.datetime = kwargs.get("modification", _now())
        delta = _as_datetime(expiry) - modification
        return delta.days * 86400 + delta.seconds

    def _expiry_date(self, expiry: Any, kwargs: dict[str, Any]) -> datetime.datetime:
        if isinstance(expiry, (str, datetime.datetime)):
            return _as_datetime(expiry)
        seconds = expiry or self._options.cookie_age
        modification: datetime.datetime = kwargs.get("modification", _now())
        return modification + datetime.timedelta(seconds=seconds)

    def _at_browser_close(self, expiry: Any) -> bool:
        if expiry is None:
            return self._options.expire_at_browser_close
        return bool(expiry == 0)

    # ------------------------------------------------------------ saving, keys, flushing

    def save(self) -> None:
        """Save the data to the store now (the middleware does it after the view)."""
        self._run("asave", self.asave)

    async def asave(self) -> None:
        data = await self._adata()
        max_age = self._expiry_age(data.get(EXPIRY_KEY), {})
        self._key = await self._store.save(self.session_key, data, max_age)

    def create(self) -> None:
        """Start an empty session under a new key, saved now."""
        self._run("acreate", self.acreate)

    async def acreate(self) -> None:
        self._cache = {}
        self._key = None
        await self.asave()
        self.modified = True

    def exists(self, session_key: str) -> bool:
        return self._run("aexists", self.aexists, session_key)

    async def aexists(self, session_key: str) -> bool:
        return await self._store.load(session_key) is not None

    def delete(self, session_key: str | None = None) -> None:
        """Delete the data under `session_key` (default: this session's) from the store."""
        self._run("adelete", self.adelete, session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if key:
            await self._store.delete(key)

    def flush(self) -> None:
        """Delete the data and the key: log-out. The cookie is deleted with the response."""
        self._run("aflush", self.aflush)

    async def aflush(self) -> None:
        self.clear()
        await self.adelete()
        self._key = None

    def cycle_key(self) -> None:
        """Keep the data under a new key, and delete the old one: call it on log-in."""
        self._run("acycle_key", self.acycle_key)

    async def acycle_key(self) -> None:
        await self._adata()
        old_key = self.session_key
        self._key = None
        await self.asave()
        self.modified = True
        if old_key:
            await self._store.delete(old_key)


def _pop(session: Session, data: dict[str, Any], key: str, default: Any) -> Any:
    session.modified = session.modified or key in data
    if default is _MISSING:
        return data.pop(key)
    return data.pop(key, default)


def _setdefault(session: Session, data: dict[str, Any], key: str, value: Any) -> Any:
    if key in data:
        return data[key]
    data[key] = value
    session.modified = True
    return value


def _set_expiry(
    session: Session,
    data: dict[str, Any],
    value: int | datetime.datetime | datetime.timedelta | None,
) -> None:
    session.modified = True
    if value is None:
        data.pop(EXPIRY_KEY, None)
        return
    if isinstance(value, datetime.timedelta):
        value = _now() + value
    data[EXPIRY_KEY] = value.isoformat() if isinstance(value, datetime.datetime) else value


def _as_datetime(value: str | datetime.datetime) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True

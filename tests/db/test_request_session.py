"""request.db: one lazily created session per request, committed or rolled back with the view.

The commit and rollback rules run through ASGI and WSGI at once (tests/parity.py): under
WSGI the session lives on the worker's loop thread.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sync import async_to_sync
from legato.test import Client
from legato.urls import path
from legato.views.decorators import timeout
from tests.parity import ServeBoth


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


async def create(request: HttpRequest) -> JsonResponse:
    note = Note(text=request.json()["text"])
    request.db.add(note)
    await request.db.flush()
    return JsonResponse({"id": note.id}, status=201)


async def create_then_fail(request: HttpRequest) -> HttpResponse:
    request.db.add(Note(text="never kept"))
    await request.db.flush()
    raise RuntimeError("after the insert")


@timeout(0.1)
async def create_then_hang(request: HttpRequest) -> HttpResponse:
    request.db.add(Note(text="timed out"))
    await request.db.flush()
    await asyncio.sleep(5)
    return HttpResponse()


async def count(request: HttpRequest) -> JsonResponse:
    total = await request.db.scalar(select(func.count()).select_from(Note))
    return JsonResponse({"count": total})


async def no_database_use(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no query")


def sync_count(request: HttpRequest) -> JsonResponse:
    # The sync path: a sync view awaits the session through async_to_sync, which runs the
    # coroutine on the app's own loop.
    total = async_to_sync(request.db.scalar)(select(func.count()).select_from(Note))
    return JsonResponse({"count": total})


urlpatterns = [
    path("notes/", create),
    path("fail/", create_then_fail),
    path("hang/", create_then_hang),
    path("count/", count),
    path("plain/", no_database_use),
    path("sync-count/", sync_count),
]


def make_app(url: str = "sqlite+aiosqlite:///:memory:") -> App:
    async def tables() -> None:
        await app.database.create_all(Base.metadata)  # type: ignore[union-attr]

    app = App(urlpatterns, database=url, on_startup=[tables])
    return app


def test_view_that_returns_commits(both: ServeBoth) -> None:
    pair = both(make_app)
    assert pair.post("/notes/", b'{"text": "hi"}', "application/json").text == '{"id":1}'
    assert pair.get("/count/").text == '{"count":1}'


def test_view_that_raises_rolls_back(both: ServeBoth) -> None:
    pair = both(make_app)
    assert pair.request("POST", "/fail/").status == 500
    assert pair.get("/count/").text == '{"count":0}'


def test_view_that_times_out_rolls_back(both: ServeBoth) -> None:
    pair = both(make_app)
    assert pair.request("POST", "/hang/").status == 504
    assert pair.get("/count/").text == '{"count":0}'


def test_session_is_lazy_and_always_closed(tmp_path: Path) -> None:
    app = make_app(f"sqlite+aiosqlite:///{tmp_path / 'pool.sqlite3'}")
    opened: list[object] = []
    with Client(app) as client:
        database = app.database
        assert database is not None
        original = database.new_session

        def spy():  # type: ignore[no-untyped-def]
            session = original()
            opened.append(session)
            return session

        database.new_session = spy  # type: ignore[method-assign]
        client.get("/plain/")
        assert opened == []
        client.get("/count/")
        client.post("/notes/", {"text": "x"}, content_type="application/json")
        assert len(opened) == 2
        assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_sync_view_reaches_the_session_through_async_to_sync(both: ServeBoth) -> None:
    pair = both(make_app)
    pair.post("/notes/", b'{"text": "a"}', "application/json")
    assert pair.get("/sync-count/").text == '{"count":1}'


def test_request_db_without_a_database_says_what_to_configure() -> None:
    with pytest.raises(ImproperlyConfigured, match="App\\(database="):
        _ = HttpRequest().db


async def one_query(request: HttpRequest) -> HttpResponse:
    await request.db.scalar(select(func.count()).select_from(Note))
    return HttpResponse()


@pytest.mark.anyio
async def test_clients_leaving_at_any_moment_cut_no_session_short(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A disconnect that lands while the view's session is committed, rolled back or
    returned to the pool must not cut that: the pool would log "Exception during reset"
    and throw the connection away (2,400 requests: 20-40 such errors before the fix)."""
    app = App(
        [path("q/", one_query)], database=f"sqlite+aiosqlite:///{tmp_path / 'leaving.sqlite3'}"
    )
    await app.startup({})
    assert app.database is not None
    await app.database.create_all(Base.metadata)

    async def leave_after(delay: float) -> None:
        received = 0

        async def receive() -> dict[str, object]:
            nonlocal received
            received += 1
            if received == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(delay)
            return {"type": "http.disconnect"}

        async def send(message: object) -> None:
            pass

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/q/",
            "raw_path": b"/q/",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80),
        }
        await app(scope, receive, send)

    with caplog.at_level(logging.WARNING, logger="sqlalchemy"):
        for round_ in range(300):  # the disconnects spread over the view's few ms
            await asyncio.gather(
                *(leave_after(0.0001 * (round_ % 13) + 0.00005 * k) for k in range(8))
            )
        await app.shutdown()
    assert [r.getMessage() for r in caplog.records] == []

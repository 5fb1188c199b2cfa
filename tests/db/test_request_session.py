"""request.db: one lazily created session per request, committed or rolled back with the view.

The commit and rollback rules run through ASGI and WSGI at once (tests/parity.py): under
WSGI the session lives on the worker's loop thread.
"""

from __future__ import annotations

import asyncio
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

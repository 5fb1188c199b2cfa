"""A small app on PostgreSQL (LEGATO_DATABASE_URL): one slow query, one fast list."""

from __future__ import annotations

from sqlalchemy import Integer, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legato import App
from legato.http import HttpRequest, JsonResponse
from legato.urls import path


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


async def slow_query(request: HttpRequest) -> JsonResponse:
    await request.db.execute(text("SELECT pg_sleep(1)"))
    return JsonResponse({"slept": 1})


async def items(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        request.db.add(Item(name=request.json()["name"]))
        return JsonResponse({"created": True}, status=201)
    names = (await request.db.scalars(select(Item.name).order_by(Item.id))).all()
    return JsonResponse({"items": list(names)})


async def create_tables() -> None:
    assert app.database is not None
    await app.database.create_all(Base.metadata)


app = App([path("slow/", slow_query), path("items/", items)], on_startup=[create_tables])

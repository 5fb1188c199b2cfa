"""Await the database from views: SQLAlchemy 2's asyncio layer, owned by the app."""

from legato.db.database import DEFAULT_DATABASE_URL, Database

__all__ = ["DEFAULT_DATABASE_URL", "Database"]

"""Give each view `request.db`: one session, committed or rolled back with the view.

Applied once per route when the URL table is compiled, and only when the app has a
database, so apps without one pay nothing. The session is created lazily by the first
`request.db` access; when the view returns normally it is committed (a failed commit is a
500, as it should be: the client must not see success for unsaved work), when it raises
or is cancelled (disconnect, timeout) it is rolled back, and it is closed in every case.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from legato.db.database import Database
from legato.http.request import HttpRequest

__all__ = ["with_request_session"]

AsyncView = Callable[..., Awaitable[Any]]


def with_request_session(view: AsyncView, database: Database) -> AsyncView:
    @functools.wraps(view)
    async def view_with_session(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.database = database
        try:
            response = await view(request, *args, **kwargs)
            if request.db_session is not None:
                await request.db_session.commit()
            return response
        except BaseException:  # CancelledError too: a gone client's work is not kept
            if request.db_session is not None:
                await request.db_session.rollback()
            raise
        finally:
            if request.db_session is not None:
                await request.db_session.close()

    return view_with_session

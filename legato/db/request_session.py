"""Give each view `request.db`: one session, committed or rolled back with the view.

Applied once per route when the URL table is compiled, and only when the app has a
database, so apps without one pay nothing. The session is created lazily by the first
`request.db` access; when the view returns normally it is committed (a failed commit is a
500, as it should be: the client must not see success for unsaved work), when it raises
or is cancelled (disconnect, timeout) it is rolled back, and it is closed in every case.
Once the view has ended, its commit or rollback and the close run to their end even if
the client leaves meanwhile: the view's outcome decides what is kept, not the moment the
client left.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from legato.db.database import Database
from legato.http.request import HttpRequest

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["with_request_session"]

AsyncView = Callable[..., Awaitable[Any]]


def with_request_session(view: AsyncView, database: Database) -> AsyncView:
    @functools.wraps(view)
    async def view_with_session(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.database = database
        try:
            response = await view(request, *args, **kwargs)
        except BaseException:  # CancelledError too: a gone client's work is not kept
            if request.db_session is not None:
                await _to_the_end(_roll_back_and_close(request.db_session))
            raise
        if request.db_session is not None:
            await _to_the_end(_commit_and_close(request.db_session))
        return response

    return view_with_session


async def _commit_and_close(session: AsyncSession) -> None:
    try:
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()


async def _roll_back_and_close(session: AsyncSession) -> None:
    try:
        await session.rollback()
    finally:
        await session.close()


async def _to_the_end(ending: Coroutine[Any, Any, None]) -> None:
    """Run `ending` to its end even if this task is cancelled meanwhile, then let the
    cancellation through.

    A client that leaves while its view's session is being committed or returned to the
    pool must not cut that short: a cut commit leaves the outcome unknown, and a cut
    reset makes the pool log an error and throw the connection away.
    """
    task = asyncio.ensure_future(ending)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as exc:
            cancelled = exc  # this task's cancellation, or `ending`'s own: raised after
    if cancelled is not None:
        raise cancelled
    task.result()

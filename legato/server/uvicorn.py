"""Run an app on uvicorn so that it hears of shut-down when shut-down begins.

Asked to stop, uvicorn closes its listeners, waits up to `timeout_graceful_shutdown` for
its connections to finish, cancels the requests still running, and only then sends
`lifespan.shutdown`. So an app learns of shut-down once it is over: endless streams
hold the whole grace period, and each request uvicorn cancels is logged as "Exception in
ASGI application", with a traceback, and answered 500.

`Server` turns the order around for a Legato app. When uvicorn begins shutting down it
closes the listeners, then calls `app.begin_shutdown()` (event streams end, websockets
get 1001, new requests on open connections get 503) and starts `app.drain()`, which
gives requests in flight the app's `shutdown_grace` and cuts the rest itself (503, or a
cleanly ended stream, one log line each); uvicorn's own shut-down then finds its
connections closing. uvicorn's timeout stays as a backstop, `BACKSTOP` seconds after the
grace. An app that is not a Legato `App` is served exactly as uvicorn would.

`run` dispatches as `uvicorn.run` does: one process, `--reload`'s supervisor (whose
child runs this `Server`, pickled), or `--workers`' supervisor, whose worker processes
build their server from uvicorn's class; `_legato_workers` has them build this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import sys
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.importer import import_from_string
from uvicorn.supervisors import ChangeReload, Multiprocess, multiprocess

from legato.app import App

__all__ = ["BACKSTOP", "Server", "run"]

# Seconds uvicorn waits past the grace before cancelling on its own: the cut requests
# answer within Legato's CUT_TIMEOUT, so this only ends a drain that is stuck.
BACKSTOP = 3


class Server(uvicorn.Server):
    """uvicorn's server, which tells a Legato app that shut-down began."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = served_app(self.config)
        if app is None:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()  # no new connections while the app starts shutting down
        await app.begin_shutdown()
        drained = asyncio.ensure_future(app.drain())
        try:
            await super().shutdown(sockets)  # lifespan.shutdown awaits the same drain
        finally:
            if not drained.done():  # a forced exit (a second Ctrl-C) skips the lifespan
                drained.cancel()


def served_app(config: uvicorn.Config) -> App | None:
    """The Legato app `config` serves, or None for any other ASGI app."""
    target = config.app
    if isinstance(target, str):
        # The module is imported already (uvicorn loaded it): this is the same object.
        target = import_from_string(target)
    return target if isinstance(target, App) else None


def run(target: str, *, shutdown_grace: float | None = None, **options: Any) -> None:
    """Serve `target` ("module:attribute") as `uvicorn.run(target, **options)` would.

    `shutdown_grace` is the app's; uvicorn's own timeout is set `BACKSTOP` seconds later.
    """
    if shutdown_grace is not None:
        options["timeout_graceful_shutdown"] = math.ceil(shutdown_grace) + BACKSTOP
    config = uvicorn.Config(target, **options)
    server = Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            with _legato_workers():
                Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    if not server.started and not config.should_reload and config.workers == 1:
        sys.exit(STARTUP_FAILURE)


class _WorkerProcess(multiprocess.Process):
    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = Server(config=self.config)
        return self._server


@contextlib.contextmanager
def _legato_workers() -> Iterator[None]:
    # uvicorn's supervisor makes each worker from its module's `Process` class, whose
    # `server` is always uvicorn's own, and takes no other. Workers are spawned, not
    # forked: each one unpickles the Process object made here, so swapping the class in
    # this (supervising) process, for as long as it supervises, is enough.
    original = multiprocess.Process
    multiprocess.Process = _WorkerProcess  # type: ignore[misc]
    try:
        yield
    finally:
        multiprocess.Process = original  # type: ignore[misc]

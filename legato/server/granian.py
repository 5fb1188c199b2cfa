"""Run an app on granian, the Rust HTTP server, through its ASGI interface.

`legato run --server granian` comes here (granian is an optional dependency: `pip
install 'legato[granian]'`). Granian parses HTTP and websockets in Rust and calls the
app as any ASGI server does. Request heads are bounded by the app's limits through
granian's HTTP/1 settings (`http1_settings`).

Asked to stop, a granian worker stops accepting, waits for its connections to close and
only then sends `lifespan.shutdown`: an app learns of shut-down once it is over, so an
endless event stream or an open websocket holds the worker until granian kills it. As
under uvicorn (legato/server/uvicorn.py), Legato turns the order around: each worker
loads the app through `load_app`, which, for a Legato `App`, has the worker's stop
signal (SIGINT, SIGTERM) call `app.begin_shutdown()` (event streams end, websockets get
1001, new requests 503) and start `app.drain()` (the app's `shutdown_grace` for requests
in flight, then a cut) right after granian's own handler has stopped the listener. The
lifespan's shut-down later awaits the same drain. Granian's `workers_kill_timeout` stays
as a backstop, `BACKSTOP` seconds after the grace.

Granian has no public hook for this: the worker's signal handlers are installed by
`granian._signals.set_loop_signals`, which the worker looks up when it starts, after it
has loaded the app. `load_app` wraps that function in the worker process (never in the
process that imports this module); if a granian release moves it, the app is served as
before and a warning says shut-down will reach it late. The integration tests of
shut-down run on granian, so such a release fails them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import signal
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from legato.app import App
from legato.config import Config
from legato.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from granian.http import HTTP1Settings

__all__ = ["BACKSTOP", "http1_settings", "load_app", "run"]

# Seconds granian waits past the app's grace before killing a worker that has not ended.
BACKSTOP = 3

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

logger = logging.getLogger("legato.server")


def run(
    target: str,
    *,
    host: str,
    port: int,
    workers: int | None = None,
    reload: bool = False,
    log_level: str = "info",
    shutdown_grace: float | None = None,
    config: object = None,
    root_path: str = "",
) -> None:
    """Serve `target` ("module:attribute") on granian's ASGI interface until stopped.

    `root_path` is the prefix a proxy strips ("/shop"): granian's `url_path_prefix`.
    """
    try:
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels
    except ImportError:
        raise ImproperlyConfigured(
            "--server granian needs granian: pip install 'legato[granian]'."
        ) from None
    options: dict[str, Any] = {}
    if shutdown_grace is not None:
        options["workers_kill_timeout"] = math.ceil(shutdown_grace) + BACKSTOP
    if root_path:
        options["url_path_prefix"] = root_path
    server = Granian(
        target,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers or 1,
        reload=reload,
        log_level=LogLevels(log_level.lower()),
        websockets=True,
        http1_settings=http1_settings(config),
        **options,
    )
    # Granian starts its workers with multiprocessing's default method, which forks on
    # Linux: each worker would inherit the app `legato run` imported to check it, so
    # --reload would restart workers on the code they started with. Spawned workers
    # import the app afresh, as uvicorn's do.
    multiprocessing.set_start_method("spawn", force=True)
    # Granian calls the loader with the target, in each worker process it starts.
    server.serve(target_loader=load_app)


def load_app(target: str) -> Any:
    """Granian's loader of `target` in a worker; a Legato `App` hears the stop signal first."""
    from granian import _internal, _signals

    app = _internal.load_target(target)
    if isinstance(app, App):
        installer = getattr(_signals, "set_loop_signals", None)
        if callable(installer):
            _signals.set_loop_signals = partial(_signals_telling, app, installer)
        else:
            logger.warning(
                "This granian has no granian._signals.set_loop_signals: the app hears of "
                "shut-down only after granian's connections close."
            )
    return app


def _signals_telling(app: App, installer: Callable[[Any], Any], loop: Any) -> Any:
    """Granian's `set_loop_signals(loop)`, with handlers that tell `app` before stopping.

    Returns granian's own stop event, which its Rust server waits on.
    """
    stop = installer(loop)  # granian's handlers: they set `stop`
    tasks: set[asyncio.Future[None]] = set()

    def on_stop_signal() -> None:
        stop.set()  # granian closes its listener, and waits for its connections
        task = asyncio.ensure_future(_begin_shutdown(app), loop=loop)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, on_stop_signal)
    except NotImplementedError:  # no loop signal handlers (Windows): granian's stay
        pass
    return stop


async def _begin_shutdown(app: App) -> None:
    await app.begin_shutdown()
    # lifespan.shutdown, once the connections are closed, awaits this same drain.
    await app.drain()


# hyper, under granian, refuses a read buffer smaller than this (bytes).
SMALLEST_BUFFER = 8192


def http1_settings(config: object) -> HTTP1Settings:
    """Granian's HTTP/1 settings bounding a request head by the app's limits.

    `config` is the app's `Config`; for an app that is not Legato's, the defaults apply,
    with their `LEGATO_*` overrides. Granian answers 431 to a head that fills its read
    buffer, so `max_request_head_size` sizes the buffer (at least 8 KiB, hyper's floor).
    It closes, without an answer, a connection whose head is not complete
    `header_read_timeout` after the head's first byte or the previous response, so
    `request_head_timeout` is that deadline, whatever the head's size: with no rate to
    extend it, a large head must arrive as fast as a small one. A limit of None leaves
    granian's own default in place.
    """
    from granian.http import HTTP1Settings

    if not isinstance(config, Config):
        config = Config.from_arguments({})
    settings = HTTP1Settings()
    if config.max_request_head_size is not None:
        settings.max_buffer_size = max(config.max_request_head_size, SMALLEST_BUFFER)
    if config.request_head_timeout is not None:
        settings.header_read_timeout = max(1, round(config.request_head_timeout * 1000))
    return settings

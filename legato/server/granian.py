"""Run an app on granian, the Rust HTTP server, through its ASGI interface.

`legato run --server granian` comes here (granian is an optional dependency: `pip
install 'legato[granian]'`). Granian parses HTTP and websockets in Rust and calls the
app as any ASGI server does; what differs from uvicorn, as measured so far:

- Shut-down: asked to stop, granian stops accepting, lets the requests in flight finish
  and only then sends `lifespan.shutdown`, so `App.begin_shutdown()` runs late and an
  endless event stream holds the worker until `workers_kill_timeout`, which is set to
  the app's `shutdown_grace` plus `BACKSTOP` seconds. Under uvicorn Legato's own server
  class tells the app at once (legato/server/uvicorn.py).
- Request-head limits (`max_request_head_size`, `request_head_timeout`, ...) are applied
  by `legato run`'s uvicorn protocol only; granian applies its own.

The default server of `legato run` stays uvicorn until granian passes the same
integration tests (docs/deployment.md).
"""

from __future__ import annotations

import math
from typing import Any

from legato.exceptions import ImproperlyConfigured

__all__ = ["BACKSTOP", "run"]

# Seconds granian waits past the app's grace before killing a worker that has not ended.
BACKSTOP = 3


def run(
    target: str,
    *,
    host: str,
    port: int,
    workers: int | None = None,
    reload: bool = False,
    log_level: str = "info",
    shutdown_grace: float | None = None,
) -> None:
    """Serve `target` ("module:attribute") on granian's ASGI interface until stopped."""
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
    Granian(
        target,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers or 1,
        reload=reload,
        log_level=LogLevels(log_level.lower()),
        websockets=True,
        **options,
    ).serve()

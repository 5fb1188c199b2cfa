"""Read the knobs every benchmark app shares, once, when its factory builds the app.

The runner starts each app as `uvicorn module:create_app --factory` with these variables
set; reading them in the factory keeps them off the per-request path of every framework.
BENCH_ROUTES filler routes are registered before the measured routes (scenario 4); the
slow view awaits BENCH_SLEEP seconds (scenario 3). Fillers alternate a static and a
dynamic route, so neither kind of lookup is favoured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["HELLO", "AppSettings", "Filler", "read_settings"]

HELLO = {"message": "Hello, world!"}


@dataclass(frozen=True, slots=True)
class Filler:
    """One filler route: `/area<index>/`, or `/area<index>/<int:pk>/` when dynamic."""

    index: int
    dynamic: bool


@dataclass(frozen=True, slots=True)
class AppSettings:
    routes: int
    sleep: float

    def fillers(self) -> list[Filler]:
        return [Filler(index, dynamic=index % 2 == 1) for index in range(self.routes)]


def read_settings() -> AppSettings:
    return AppSettings(
        routes=int(os.environ.get("BENCH_ROUTES", "0")),
        sleep=float(os.environ.get("BENCH_SLEEP", "1.0")),
    )

"""Read the knobs every benchmark app shares, once, when its factory builds the app.

The runner starts each app as `uvicorn module:create_app --factory` with these variables
set; reading them in the factory keeps them off the per-request path of every framework.
BENCH_ROUTES filler routes are registered before the measured routes (scenario 4); the
slow view awaits BENCH_SLEEP seconds (scenario 3). Fillers alternate a static and a
dynamic route, so neither kind of lookup is favoured. BENCH_ROUTE_SHAPE=converter-first
puts a `<slug:s>/` segment in front of every filler, so that no literal prefix tells
them apart from the measured route.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["HELLO", "ROUTE_SHAPES", "AppSettings", "Filler", "read_settings"]

HELLO = {"message": "Hello, world!"}
ROUTE_SHAPES = ("literal", "converter-first")


@dataclass(frozen=True, slots=True)
class Filler:
    """One filler route: `/area<index>/`, or `/area<index>/<int:pk>/` when dynamic; behind
    a leading `<slug:s>/` when `converter_first`."""

    index: int
    dynamic: bool
    converter_first: bool = False


@dataclass(frozen=True, slots=True)
class AppSettings:
    routes: int
    sleep: float
    route_shape: str = "literal"

    def fillers(self) -> list[Filler]:
        first = self.route_shape == "converter-first"
        return [Filler(index, index % 2 == 1, first) for index in range(self.routes)]


def read_settings() -> AppSettings:
    shape = os.environ.get("BENCH_ROUTE_SHAPE", "literal")
    if shape not in ROUTE_SHAPES:
        raise ValueError(f"BENCH_ROUTE_SHAPE={shape!r}; use one of {', '.join(ROUTE_SHAPES)}.")
    return AppSettings(
        routes=int(os.environ.get("BENCH_ROUTES", "0")),
        sleep=float(os.environ.get("BENCH_SLEEP", "1.0")),
        route_shape=shape,
    )

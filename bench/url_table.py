"""Time resolve() against URL tables of 10, 100 and 1,000 routes: `python -m bench.url_table`.

In-process, no server: for each table shape it builds a `Resolver` of 10, 100 and 1,000
routes and times resolving the table's last route (the worst case for a scan in
declaration order), checking first that it resolves to that route's view. Each figure is
the median over `--rounds` rounds of the time per call, each round about `--seconds` long;
the last column divides the 1,000-route figure by the 10-route one. Run it under the
benchmark lock (`flock /tmp/legato-bench.lock python -m bench.url_table`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from legato.urls import include, path, re_path
from legato.urls.resolver import Resolver

__all__ = ["SHAPES", "SIZES", "Shape", "main", "measure"]

SIZES = (10, 100, 1000)
Table = tuple[list[Any], str]  # the routes, and the path that resolves to the last one


def _view(label: str) -> Callable[..., Any]:
    def view(request: object, **kwargs: Any) -> str:
        return label

    view.__name__ = view.__qualname__ = f"view_{label}"
    return view


def _flat(route: Callable[[int], str], target: Callable[[int], str]) -> Callable[[int], Table]:
    def build(count: int) -> Table:
        routes = [path(route(i), _view(str(i))) for i in range(count)]
        return routes, target(count - 1)

    return build


_MIXED: tuple[tuple[Callable[[int], str], Callable[[int], str]], ...] = (
    (lambda i: f"s{i}/", lambda i: f"/s{i}/"),
    (lambda i: f"d{i}/<int:pk>/", lambda i: f"/d{i}/7/"),
    (lambda i: f"<slug:a>/<int:b>/y{i}/", lambda i: f"/ab/7/y{i}/"),
    (lambda i: f"<int:pk>-z{i}/", lambda i: f"/7-z{i}/"),
    (lambda i: f"<slug:s>/x{i}/", lambda i: f"/abc/x{i}/"),
)


def _mixed(count: int) -> Table:
    # Five shapes in turn; 10, 100 and 1,000 routes all end on the converter-first one.
    routes = [path(_MIXED[i % 5][0](i), _view(str(i))) for i in range(count)]
    return routes, _MIXED[(count - 1) % 5][1](count - 1)


def _included(prefix: str, route: Callable[[int], str]) -> Callable[[int], Table]:
    # Ten include()s of count/10 routes each, under `prefix` (which may hold a converter).
    def build(count: int) -> Table:
        per_group = count // 10
        groups = [
            path(
                prefix.format(group=group),
                include([path(route(i), _view(f"{group}-{i}")) for i in range(per_group)]),
            )
            for group in range(10)
        ]
        last = route(per_group - 1).replace("<slug:s>", "abc").replace("<int:pk>", "7")
        return groups, "/" + prefix.format(group=9).replace("<slug:org>", "acme") + last

    return build


def _regex(count: int) -> Table:
    routes = [re_path(rf"^r{i}/(?P<pk>[0-9]+)/$", _view(str(i))) for i in range(count)]
    return routes, f"/r{count - 1}/7/"


@dataclass(frozen=True, slots=True)
class Shape:
    label: str
    build: Callable[[int], Table]


SHAPES = (
    Shape("static `s{i}/`", _flat(lambda i: f"s{i}/", lambda i: f"/s{i}/")),
    Shape(
        "literal first `r{i}/<int:pk>/`", _flat(lambda i: f"r{i}/<int:pk>/", lambda i: f"/r{i}/7/")
    ),
    Shape(
        "converter first `<slug:s>/x{i}/`",
        _flat(lambda i: f"<slug:s>/x{i}/", lambda i: f"/abc/x{i}/"),
    ),
    Shape(
        "two converters first `<slug:a>/<int:b>/y{i}/`",
        _flat(lambda i: f"<slug:a>/<int:b>/y{i}/", lambda i: f"/ab/7/y{i}/"),
    ),
    Shape(
        "converter, then literal `<int:pk>-z{i}/`",
        _flat(lambda i: f"<int:pk>-z{i}/", lambda i: f"/7-z{i}/"),
    ),
    Shape("mixed (the five above in turn)", _mixed),
    Shape(
        "include `g{j}/` of `<slug:s>/x{i}/`", _included("g{group}/", lambda i: f"<slug:s>/x{i}/")
    ),
    Shape(
        "include `<slug:org>/g{j}/` of `x{i}/<int:pk>/`",
        _included("<slug:org>/g{group}/", lambda i: f"x{i}/<int:pk>/"),
    ),
    Shape("re_path `^r{i}/(?P<pk>[0-9]+)/$`", _regex),
)


def time_resolve(resolver: Resolver, target: str, rounds: int, seconds: float) -> float:
    """The median over `rounds` of the time per resolve(target) call, in microseconds."""
    resolve = resolver.resolve
    calls = 1
    while True:  # find a call count that takes about `seconds`
        started = time.perf_counter()
        for _ in range(calls):
            resolve(target)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds / 4:
            break
        calls *= 4
    calls = max(1, int(calls * seconds / elapsed))
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            resolve(target)
        per_round.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(per_round)


def measure(shape: Shape, rounds: int, seconds: float) -> list[float]:
    figures = []
    for size in SIZES:
        routes, target = shape.build(size)
        resolver = Resolver(routes)
        last = resolver.routes()[-1].view
        found = resolver.resolve(target).func
        if found is not last:
            raise AssertionError(f"{target} resolved to {found}, not the table's last route")
        figures.append(time_resolve(resolver, target, rounds, seconds))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.url_table")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.1, help="length of one round")
    arguments = parser.parse_args(argv)
    sizes = " | ".join(f"{size:,} routes" for size in SIZES)
    print(f"| table (resolving its last route) | {sizes} | 1,000 / 10 |")
    print("|---" * (len(SIZES) + 2) + "|")
    for shape in SHAPES:
        figures = measure(shape, arguments.rounds, arguments.seconds)
        cells = " | ".join(f"{us:.2f} us" for us in figures)
        print(f"| {shape.label} | {cells} | {figures[-1] / figures[0]:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

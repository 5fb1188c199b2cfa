"""Profile Legato's per-request cost in-process: `python -m bench.profile_legato hello`.

Requests go straight into the ASGI callable on uvloop, with a receive/send pair that
behaves like uvicorn's (the body once, `http.disconnect` only after the response), so
the figures are the framework's own cost with no server or socket in them. Each request
is its own task, as under a server. It prints the wall time per request for the floor
and for Legato (no profiler attached; median of 7 rounds), then
Legato's top functions by own time per request under cProfile, with file:line. Run it
under the benchmark lock: it is a benchmark too. `--stack gzip|cors` measures the default
stack plus GZipMiddleware or CorsMiddleware; `--browser` sends the Accept-Encoding and
Origin a browser page would (`page` is a 13 KB HTML body, worth compressing).
`--sessions` times the stack without and with SessionMiddleware innermost (signed
cookies, a secret key; the views never touch the session), a round of each in turn, and
profiles the one with it: the cost of an untouched session.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from types import CodeType
from typing import Any

import uvloop

from bench.apps import floor, legato_app
from bench.scenarios import HELLO_PATH, ITEM_PATH
from legato import App
from legato.sessions import SessionMiddleware

__all__ = ["main"]

Message = MutableMapping[str, Any]
ASGIApp = Callable[[Message, Any, Any], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
PATHS = {"hello": HELLO_PATH, "items": ITEM_PATH, "page": "/page/"}
STACKS = {
    "none": legato_app.create_app,
    "default": legato_app.create_app_with_middleware,
    "gzip": legato_app.create_app_with_gzip,
    "cors": legato_app.create_app_with_cors,
}
BROWSER_HEADERS = [
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"origin", legato_app.CORS_ORIGIN.encode()),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_legato")
    parser.add_argument("scenario", choices=sorted(PATHS))
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--middleware",
        action="store_true",
        help="profile the app with legato.middleware.DEFAULT_MIDDLEWARE (--stack default)",
    )
    parser.add_argument("--stack", choices=sorted(STACKS), default=None)
    parser.add_argument("--browser", action="store_true", help="send Accept-Encoding, Origin")
    parser.add_argument(
        "--sessions", action="store_true", help="compare with SessionMiddleware added"
    )
    arguments = parser.parse_args(argv)
    stack = arguments.stack or ("default" if arguments.middleware else "none")
    extra = BROWSER_HEADERS if arguments.browser else []
    target = PATHS[arguments.scenario]
    count = arguments.requests
    runner = uvloop.new_event_loop()
    try:
        floor_app = floor.create_app()
        floor_us = runner.run_until_complete(_time_per_request(floor_app, target, count, extra))
        app = STACKS[stack]()
        summary = f"GET {target}: floor {floor_us:.1f} us/request, Legato ({stack} stack)"
        if arguments.sessions:
            app = runner.run_until_complete(_compare_sessions(app, summary, target, count, extra))
        else:
            legato_us = runner.run_until_complete(_time_per_request(app, target, count, extra))
            print(f"{summary} {legato_us:.1f} us/request")
        profiler = cProfile.Profile()
        profiler.enable()
        runner.run_until_complete(_serve(app, target, count, extra))
        profiler.disable()
    finally:
        runner.close()
    _print_top(profiler, count, arguments.top)
    return 0


async def _compare_sessions(
    app: App, summary: str, target: str, count: int, extra: Headers, rounds: int = 15
) -> App:
    """Time `app` without and with SessionMiddleware, a round of each in turn, so that a
    busy machine slows both alike; print both medians; return the app with sessions."""
    with_sessions = App(
        app.urlpatterns,
        middleware=[*app.middleware, SessionMiddleware],
        secret_key="bench-secret-key-" + "x" * 40,
    )
    per_round: tuple[list[float], list[float]] = ([], [])
    for each in (app, with_sessions):
        await _serve(each, target, 500, extra)  # build the app and warm caches
    for _ in range(rounds):
        for each, times in zip((app, with_sessions), per_round, strict=True):
            started = time.perf_counter()
            await _serve(each, target, count, extra)
            times.append((time.perf_counter() - started) / count * 1e6)
    without, with_ = (statistics.median(times) for times in per_round)
    print(
        f"{summary} {without:.1f} us/request, with SessionMiddleware {with_:.1f} "
        f"us/request ({(with_ / without - 1) * 100:+.1f}%; medians of {rounds} rounds in turn)"
    )
    return with_sessions


async def _time_per_request(
    app: Any, target: str, count: int, extra: Headers, rounds: int = 7
) -> float:
    """The median over `rounds` of the wall time per request, in microseconds."""
    await _serve(app, target, 500, extra)  # build the app and warm caches
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        await _serve(app, target, count, extra)
        per_round.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(per_round)


async def _serve(app: Any, target: str, count: int, extra: Headers) -> None:
    # One task per request, as a server makes them: what a task costs is part of the path.
    path, _, query = target.partition("?")
    create_task = asyncio.get_running_loop().create_task
    for _ in range(count):
        await create_task(_request(app, path, query.encode(), extra))


async def _request(app: Any, path: str, query: bytes, extra: Headers) -> None:
    answered = asyncio.Event()
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(_scope(path, query, extra), receive, send)
    if not answered.is_set():
        raise RuntimeError(f"GET {path} sent no complete response.")


def _scope(path: str, query: bytes, extra: Headers) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"wrk"),
            (b"accept", b"*/*"),
            *extra,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def _print_top(profiler: cProfile.Profile, count: int, top: int) -> None:
    # The profiler's own entries: pstats' summary rounds times to the millisecond and
    # keys functions by bare name, and its full table is not a typed attribute.
    rows = [
        (entry.inlinetime, entry.totaltime, entry.callcount, _where(entry.code))
        for entry in profiler.getstats()
    ]
    rows.sort(reverse=True)
    total = sum(row[0] for row in rows)
    print(f"cProfile: {total / count * 1e6:.1f} us/request of own time in total (profiled)")
    print(f"{'own us/req':>10} {'cum us/req':>10} {'calls/req':>9}  function")
    for own, cumulative, calls, where in rows[:top]:
        per_request = (own / count * 1e6, cumulative / count * 1e6, calls / count)
        print("{:10.2f} {:10.2f} {:9.2f}  ".format(*per_request) + where)


def _where(code: CodeType | str) -> str:
    if isinstance(code, str):
        return code  # a built-in, named by the profiler: "<built-in method ...>"
    return f"{_short(code.co_filename)}:{code.co_firstlineno}({code.co_name})"


def _short(file: str) -> str:
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


if __name__ == "__main__":
    raise SystemExit(main())

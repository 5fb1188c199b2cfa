"""The `legato` command: run an app on uvicorn or granian, print its URL table, check it.

legato run module:app [--host 127.0.0.1] [--port 8000] [--workers N] [--reload]
                      [--server uvicorn|granian]
legato routes module:app
legato check module:app
legato collectstatic module:app
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from legato._names import dotted_name
from legato.exceptions import ImproperlyConfigured

__all__ = ["SERVERS", "load_app", "main"]

# uvicorn first: the default (docs/decisions.md says why granian is not).
SERVERS = ("uvicorn", "granian")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())  # so "module:app" finds the user's code, as uvicorn does
    try:
        return int(options.command(options))
    except ImproperlyConfigured as exc:
        print(f"legato: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="legato", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve an app on uvicorn or granian")
    run.add_argument("app", help="the app as module:attribute, e.g. mysite.app:app")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=None, help="number of processes")
    run.add_argument("--reload", action="store_true", help="restart when code changes")
    run.add_argument("--log-level", default="info")
    run.add_argument(
        "--root-path",
        type=_root_path,
        default="",
        help="the path prefix a proxy strips before requests reach the app, e.g. /shop",
    )
    run.add_argument(
        "--server",
        choices=SERVERS,
        default=None,
        help="the HTTP server (default: $LEGATO_SERVER, else uvicorn)",
    )
    run.set_defaults(command=_run)

    routes = commands.add_parser("routes", help="print the URL table")
    routes.add_argument("app")
    routes.set_defaults(command=_routes)

    check = commands.add_parser(
        "check", help="build the app, report configuration errors and async mistakes"
    )
    check.add_argument("app")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(command=_check)

    collect = commands.add_parser(
        "collectstatic",
        help="copy static_dirs into static_root with hashed names, a manifest, .br and .gz",
    )
    collect.add_argument("app")
    collect.set_defaults(command=_collectstatic)
    return parser


def load_app(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ImproperlyConfigured(f"{target!r} is not of the form module:attribute.")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ImproperlyConfigured(
            f"Module {module_name!r} has no attribute {attribute!r}."
        ) from None


def _root_path(value: str) -> str:
    """`--root-path`: "" or a path from "/", without the trailing slash ("/shop")."""
    prefix = value.rstrip("/")
    if prefix and (not prefix.startswith("/") or "//" in prefix or "\\" in prefix):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a path prefix: give one such as /shop (or nothing)."
        )
    return prefix


def _server(options: argparse.Namespace) -> str:
    server = options.server or os.environ.get("LEGATO_SERVER") or "uvicorn"
    if server not in SERVERS:
        raise ImproperlyConfigured(
            f"LEGATO_SERVER={server!r}: expected one of {', '.join(SERVERS)}."
        )
    return server


def _run(options: argparse.Namespace) -> int:
    server = _server(options)
    app = load_app(options.app)  # fail here, with our message, rather than in the server
    config = getattr(app, "config", None)
    # What both servers take alike. Requests in flight at shut-down get the app's grace
    # period, then are cut.
    served: dict[str, Any] = {
        "host": options.host,
        "port": options.port,
        "workers": options.workers,
        "reload": options.reload,
        "log_level": options.log_level,
        "shutdown_grace": getattr(config, "shutdown_grace", None),
        "root_path": options.root_path,
    }
    if server == "granian":
        from legato.server import granian

        granian.run(options.app, config=config, **served)  # config: its head limits
        return 0
    return _run_uvicorn(options.app, config, served)


def _run_uvicorn(target: str, config: Any, served: dict[str, Any]) -> int:
    from legato.server import uvicorn
    from legato.server.protocols import http_protocol

    ws_max_size = getattr(config, "websocket_max_message_size", None) or 16 * 1024 * 1024
    uvicorn.run(
        target,
        lifespan="on",
        # The app closes larger messages with 1009 itself; the server's frame limit must
        # not be the one that cuts first.
        ws_max_size=ws_max_size + 1024,
        # httptools with a bounded request head: size, and time to arrive.
        http=http_protocol(config),
        **served,
    )
    return 0


def _routes(options: argparse.Namespace) -> int:
    app = load_app(options.app)
    rows = [("PATTERN", "NAME", "VIEW", "KIND")]
    for route in app.resolver.routes():
        view_name = dotted_name(route.view)
        kind = "websocket" if route.kind == "websocket" else ("async" if route.is_async else "sync")
        rows.append((route.pattern, route.name or "-", view_name, kind))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]
        )
    return 0


def _check(options: argparse.Namespace) -> int:
    """Exit 0 when clean, 1 with findings, 2 (one line on stderr) if the app cannot load."""
    from legato.check import Project, as_json, as_text, check_app

    app = _load_for_check(options.app)
    findings = check_app(app, Project.of_module(options.app.partition(":")[0]))
    if options.format == "json":
        print(as_json(findings))
    elif findings:
        print(as_text(findings))
    else:
        count = len(app.resolver.routes())
        print(
            f"{options.app}: {count} routes, {len(app.middleware)} middleware; no problems found."
        )
    return 1 if findings else 0


def _load_for_check(target: str) -> Any:
    """Import and build the app; any failure becomes one line, never a traceback."""
    try:
        app = load_app(target)
        app.build()
    except SyntaxError as exc:
        raise ImproperlyConfigured(
            f"cannot load {target!r}: syntax error in {exc.filename}, line {exc.lineno}: "
            f"{exc.msg}. Fix it and run the check again."
        ) from None
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"cannot load {target!r}: {type(exc).__name__}: {exc}. Run legato from the "
            "directory that contains the package, with its dependencies installed."
        ) from None
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(_one_line(str(exc))) from None
    except Exception as exc:  # the user's module raised while it was imported
        raise ImproperlyConfigured(
            f"cannot load {target!r}: {type(exc).__name__}: {_one_line(str(exc))}"
        ) from None
    return app


def _collectstatic(options: argparse.Namespace) -> int:
    from legato.static import collectstatic

    config = load_app(options.app).config
    collected = collectstatic(config.static_dirs, config.static_root or "")
    print(
        f"{collected.files} static files collected into {config.static_root} "
        f"({collected.compressed} compressed copies)."
    )
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    raise SystemExit(main())

"""Serve one ASGI websocket connection: check it, route it, run its handler, close it.

The path, in order: Host check -> Origin check -> `resolve_websocket(path)` ->
`handler(ws, **kwargs)` -> close. Every refusal happens before `accept()`, so the client
gets an HTTP answer (403, 404; a server without the `websocket.http.response` extension
answers 403 to all of them) and no handler runs. After the handler:
`WebSocketDisconnect` is a normal end; any other exception is logged with the path and
closes the socket with 1011, and its text never reaches the client. A handler that
returns without closing gets a 1000 close (or a 403 if it never accepted).

Origins (cross-site WebSocket hijacking): a browser always sends `Origin` on a websocket
handshake and a page cannot forge it, so the check is: no Origin (a non-browser client)
passes; an Origin naming this same host and port passes; otherwise it must match
`allowed_origins` ("https://example.com", "https://*.example.com", or "*" for any).

Open connections are tracked, so shut-down can close them with 1001 Going Away as soon
as it begins (`begin_shutdown`), before the server closes them with its own code (uvicorn
sends 1012), and cut the handlers that still run after the grace period (`drain`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from legato._logsafe import escape_for_log
from legato._types import Receive, Scope, Send
from legato.context import current_app
from legato.exceptions import ImproperlyConfigured
from legato.handlers.errors import request_exception_observer
from legato.handlers.shutdown import CUT_TIMEOUT, Cuts
from legato.http.hosts import AllowedHosts, split_domain_port
from legato.http.request import split_root
from legato.urls.resolver import Resolver, Resolver404
from legato.urls.reverse import current_resolver, current_script_prefix
from legato.websocket import (
    CloseCode,
    WebSocket,
    WebSocketDisconnect,
    WebSocketState,
)

__all__ = ["OriginPolicy", "WebSocketHandler", "parse_origin"]

request_logger = logging.getLogger("legato.request")
security_logger = logging.getLogger("legato.security")

Origin = tuple[str, str, str]  # scheme, host, port ("" for the scheme's default)

_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def parse_origin(text: str) -> Origin | None:
    """Split "https://example.com:8443" into ("https", "example.com", "8443").

    The scheme and host are lower-cased and a default port is dropped; anything that is
    not `scheme://host[:port]` (a path, user info, "null", non-ASCII) gives None.
    """
    scheme, separator, netloc = text.partition("://")
    scheme = scheme.lower()
    if not separator or not scheme.isascii() or not scheme.isalpha():
        return None
    host, port = split_domain_port(netloc)
    if not host:
        return None
    return scheme, host, "" if port == _DEFAULT_PORTS.get(scheme) else port


class OriginPolicy:
    """Which `Origin` headers may open a websocket; compiled once from `allowed_origins`."""

    __slots__ = ("_any", "_exact", "_suffixes")

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self._any = False
        self._exact: set[Origin] = set()
        suffixes: list[tuple[str, str, str]] = []
        for entry in allowed_origins:
            if entry == "*":
                self._any = True
                continue
            wildcard = "://*." in entry
            origin = parse_origin(entry.replace("://*.", "://", 1))
            if origin is None:
                raise ImproperlyConfigured(
                    f"allowed_origins entry {entry!r} is not an origin; write it as "
                    "'https://example.com', 'https://*.example.com' (subdomains) or '*'."
                )
            if wildcard:
                suffixes.append(origin)
            else:
                self._exact.add(origin)
        self._suffixes = tuple(suffixes)

    def allows(self, origin_header: str | None, host_header: str | None) -> bool:
        if origin_header is None or self._any:
            return True
        origin = parse_origin(origin_header)
        if origin is None:
            return False
        return _same_origin(origin, host_header) or self._listed(origin)

    def _listed(self, origin: Origin) -> bool:
        if origin in self._exact:
            return True
        scheme, host, port = origin
        return any(
            scheme == pattern_scheme
            and port == pattern_port
            and (host == domain or host.endswith("." + domain))
            for pattern_scheme, domain, pattern_port in self._suffixes
        )


def _same_origin(origin: Origin, host_header: str | None) -> bool:
    if not host_header:
        return False
    scheme, host, port = origin
    domain, host_port = split_domain_port(host_header)
    # The Host header carries no scheme; a port equal to the origin scheme's default is
    # the same as none (behind a TLS proxy the scope's own scheme cannot be trusted).
    if host_port == _DEFAULT_PORTS.get(scheme):
        host_port = ""
    return domain == host and host_port == port


class WebSocketHandler:
    """Serve `websocket` scopes for one app; the app builds it once, on first use."""

    def __init__(
        self,
        *,
        app: Any,
        resolver: Resolver,
        allowed_hosts: AllowedHosts,
        origins: OriginPolicy,
        max_message_size: int | None,
        force_script_name: str | None = None,
        use_x_forwarded_host: bool = False,
    ) -> None:
        self.app = app
        # Behind a proxy that sets X-Forwarded-Host, that is the host the client asked
        # for (as for HTTP requests, legato/http/proxy.py); Host names the proxy's upstream.
        self.use_x_forwarded_host = use_x_forwarded_host
        self.force_script_name = force_script_name
        self.resolver = resolver
        self.allowed_hosts = allowed_hosts
        self.origins = origins
        self.max_message_size = max_message_size
        self.open: dict[WebSocket, asyncio.Task[Any]] = {}
        self.draining = False
        self.cuts = Cuts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send, app=self.app, max_message_size=self.max_message_size)
        refusal = self._refusal(ws)
        if refusal is not None:
            await ws.deny(*refusal)
            return
        script_name, _, path_info = split_root(scope["path"], str(scope.get("root_path", "")))
        try:
            match = self.resolver.resolve_websocket(path_info)
        except Resolver404:
            await ws.deny(404, f"No websocket route matches {ws.path!r}.")
            return
        if self.force_script_name is not None:
            script_name = self.force_script_name.rstrip("/")
        # What an HTTP request has too: reverse() with the mount point, the app (context.py).
        token = current_resolver.set(self.resolver)
        app_token = current_app.set(self.app)
        prefixed = current_script_prefix.set(script_name + "/") if script_name else None
        task = asyncio.current_task()
        if task is not None:
            self.open[ws] = task
        try:
            await self._run(ws, match.callback, match.args, match.kwargs)
        finally:
            self.open.pop(ws, None)
            current_resolver.reset(token)
            current_app.reset(app_token)
            if prefixed is not None:
                current_script_prefix.reset(prefixed)

    def _refusal(self, ws: WebSocket) -> tuple[int, str] | None:
        if self.draining:
            return 503, "The server is shutting down; reconnect in a moment."
        host = ws.headers.get("host")
        if self.use_x_forwarded_host:
            host = ws.headers.get("x-forwarded-host", host)
        if host is not None and not self.allowed_hosts.is_allowed(host):
            security_logger.warning(
                "Refused websocket %s: Host '%s' is not in allowed_hosts.",
                escape_for_log(ws.path),
                escape_for_log(host),
            )
            return 400, "Invalid Host header."
        origin = ws.headers.get("origin")
        if not self.origins.allows(origin, host):
            security_logger.warning(
                "Refused websocket %s: Origin '%s' is neither this host nor in "
                "allowed_origins (cross-site WebSocket hijacking protection).",
                escape_for_log(ws.path),
                escape_for_log(origin),
            )
            return 403, "Origin not allowed."
        return None

    async def _run(
        self,
        ws: WebSocket,
        handler: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        try:
            await handler(ws, *args, **kwargs)
        except WebSocketDisconnect:
            pass  # the client left, or a bad message closed the socket: a normal end
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or not self.cuts.claims(task):
                raise  # not Legato's shut-down: whoever cancels us gets their way
            # Cut by drain(): the socket was closed with 1001 when shut-down began.
            request_logger.warning(
                "Shut-down cut the websocket handler for %s: still running after the grace period.",
                escape_for_log(ws.path),
            )
            return
        except Exception as exc:
            _report(ws, handler, exc)
            await _close_after_error(ws)
            return
        await ws.close()  # no-op if the handler closed it; 403 if it never accepted

    async def begin_shutdown(self) -> None:
        """Refuse new connections, and close open ones with 1001 Going Away."""
        self.draining = True
        for ws in list(self.open):
            await ws.close(CloseCode.GOING_AWAY, "server shutting down")

    async def drain(self, grace: float) -> None:
        """Begin shut-down, give handlers `grace` seconds to return, then cut them."""
        if not self.draining:
            await self.begin_shutdown()
        tasks = set(self.open.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                self.cuts.cut(task)
            if late:
                await asyncio.wait(late, timeout=CUT_TIMEOUT)
        self.cuts.forget()


async def _close_after_error(ws: WebSocket) -> None:
    if ws.connection_state is WebSocketState.CONNECTING:
        await ws.deny(500, "Server Error")
    else:
        await ws.close(CloseCode.INTERNAL_ERROR, "internal error")


def _report(ws: WebSocket, handler: Callable[..., Any], exc: Exception) -> None:
    name = f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"
    request_logger.error(
        "Error in websocket handler %s for %s",
        name,
        escape_for_log(ws.path),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    observer = request_exception_observer.get()
    if observer is not None:
        observer(exc)

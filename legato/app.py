"""Configure an app and serve it: the ASGI entry point.

`App(...)` only records its arguments; nothing is imported or compiled until the app
starts (lifespan start-up or its first request, whichever comes first). Starting builds
the core every server adapter serves (`core()`: the URL table with every view adapted
once, the middleware factories imported, the error mapping, limits and hosts); then the
adapter in use builds its chain over it, calling each middleware factory once: the ASGI
handler (`build()`, at ASGI lifespan start-up or the first request), to which each
request then goes straight, or the WSGI handler (`as_wsgi()`, when its worker starts).
Starting also loads the static file layer (`static_files()`), which both adapters ask
before their chain.

Shut-down has two steps. `begin_shutdown()` is the moment the server is asked to stop:
new requests are refused, event streams end, websockets are closed with 1001, and
`shutting_down` is set for the app's own code. `drain()` then gives what is still running
`shutdown_grace` seconds and cuts the rest; `shutdown()` (lifespan.shutdown) drains, if
that has not happened yet, and runs the shut-down steps. A server that Legato runs
(`legato.server.uvicorn`) calls `begin_shutdown()` and `drain()` as soon as it is told to
stop; under any other server they run when `lifespan.shutdown` arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

from legato.channels import ChannelLayer, channel_layer
from legato.config import Config
from legato.db.database import Database, database_from_setting
from legato.exceptions import ImproperlyConfigured
from legato.handlers.asgi import ASGIHandler, Receive, Scope, Send
from legato.handlers.base import Core
from legato.handlers.errors import ErrorResponder, ErrorView
from legato.handlers.websocket import OriginPolicy, WebSocketHandler
from legato.handlers.wsgi import WSGIHandler
from legato.http.body import RequestLimits
from legato.http.hosts import AllowedHosts
from legato.http.proxy import ProxyHeaders
from legato.lifespan import Hook, Lifespan, LifespanFactory, Resource, serve_lifespan
from legato.signing import SecretKeys
from legato.static.paths import safe_name
from legato.static.serve import StaticFiles
from legato.static.table import StaticTable
from legato.sync import ThreadPool
from legato.templates.directories import template_directories
from legato.templates.engine import Templates
from legato.templates.globals import app_globals
from legato.urls.resolver import Resolver
from legato.urls.reverse import current_script_prefix, reverse
from legato.views.adapt import adapt_view
from legato.watchdog import LoopWatch, default_threshold, watchdog

__all__ = ["App"]

_ERROR_STATUSES = (400, 403, 404, 500)


class App:
    """A Legato application: an ASGI callable built from URL patterns and middleware."""

    def __init__(
        self,
        urlpatterns: Sequence[Any] | str | ModuleType = (),
        *,
        middleware: Sequence[Callable[..., Any] | str] = (),
        lifespan: LifespanFactory | None = None,
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        handler400: Callable[..., Any] | None = None,
        handler403: Callable[..., Any] | None = None,
        handler404: Callable[..., Any] | None = None,
        handler500: Callable[..., Any] | None = None,
        database: str | bool | Database | None = None,
        channels: str | ChannelLayer | None = None,
        **settings: Any,
    ) -> None:
        unknown = set(settings) - set(Config.__dataclass_fields__)
        if unknown:
            raise ImproperlyConfigured(
                f"App() got unknown settings {sorted(unknown)}; known settings are "
                f"{sorted(Config.__dataclass_fields__)}."
            )
        self.config = Config.from_arguments(settings)
        self.urlpatterns = urlpatterns
        self.middleware = list(middleware)
        self.state = SimpleNamespace()
        # Attributes a middleware gives each request lazily, made on first use
        # (`request.session`, `request.user`): name -> a function of the request.
        self.request_attributes: dict[str, Callable[[Any], Any]] = {}
        self.thread_pool = ThreadPool(self.config.thread_pool_size)
        self.database = database_from_setting(os.environ.get("LEGATO_DATABASE_URL") or database)
        resources: list[tuple[str, Resource]] = (
            [("the database connection", self.database.running)] if self.database else []
        )
        self.channels = channel_layer(channels, os.environ)
        resources.append(("the channel layer", self._channel_layer_running))
        resources.append(("the middleware's resources", self._middleware_running))
        self.lifespan = Lifespan(
            factory=lifespan,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            thread_pool=self.thread_pool,
            resources=resources,
        )
        self._error_views = {400: handler400, 403: handler403, 404: handler404, 500: handler500}
        self._resolver: Resolver | None = None
        self._secret_keys: SecretKeys | None = None
        self._templates: Templates | None = None
        self._core: Core | None = None
        self._asgi: ASGIHandler | None = None
        self._websockets: WebSocketHandler | None = None
        self._loop_watch: LoopWatch | None = None
        self._static: StaticFiles | None = None
        self._static_loaded = False
        # Set once shut-down has begun; request.state.shutting_down is the same event.
        self.shutting_down = asyncio.Event()
        self._drained: asyncio.Future[None] | None = None

    @property
    def debug(self) -> bool:
        return self.config.debug

    @property
    def secret_keys(self) -> SecretKeys | None:
        """The keys values are signed with (`secret_key`, `secret_key_fallbacks`); None
        when the app has no secret key."""
        if self._secret_keys is None:
            config = self.config
            self._secret_keys = SecretKeys.from_settings(
                config.secret_key, config.secret_key_fallbacks
            )
        return self._secret_keys

    def use_secret_keys(self, keys: SecretKeys) -> SecretKeys:
        """Sign with `keys` from now on, where the app was given none (a key made for one
        run in debug mode); returns them."""
        if self.secret_keys is not None:
            raise ImproperlyConfigured("The app has a secret key already: it is not replaced.")
        self._secret_keys = keys
        return keys

    @property
    def resolver(self) -> Resolver:
        """The compiled URL table (compiled on first use)."""
        if self._resolver is None:
            self._resolver = Resolver(self._patterns(), adapt_view=self._adapt_view)
        return self._resolver

    @property
    def templates(self) -> Templates:
        """The app's Jinja2 templates (built on first use; docs/templates.md)."""
        if self._templates is None:
            config = self.config
            views = (route.view for route in self.resolver.routes())
            self._templates = Templates(
                template_directories(config.templates, views, app_dirs=config.template_app_dirs),
                debug=config.debug,
                # App.static() where the app has it; else the default static URL.
                globals=app_globals(
                    lambda: self.resolver, getattr(self, "static", None), debug=config.debug
                ),
            )
        return self._templates

    def reverse(
        self,
        viewname: str | Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> str:
        """reverse() on this app's URL table (with the script prefix of the request)."""
        return reverse(viewname, urlconf=self.resolver, args=args, kwargs=kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            handler = self._asgi or self._first_build()
            # Static files first: they need none of the chain (legato/static/serve.py).
            if self._static is None or not await self._static.asgi(scope, receive, send):
                await handler(scope, receive, send)
        elif kind == "lifespan":
            await serve_lifespan(self, scope, receive, send)
        elif kind == "websocket":
            if self._websockets is None:
                self.watch_event_loop()
            await (self._websockets or self._build_websockets())(scope, receive, send)
        else:
            raise ValueError(f"Legato does not handle ASGI scope type {kind!r}.")

    def static(self, path: str) -> str:
        """The public URL of the static file `path`: its hashed name when collected.

        `app.static("css/site.css")` gives "/static/css/site.3f1c9a0b2d4e.css" once
        `legato collectstatic` has run, "/static/css/site.css" before. Under a mount
        point, a `static_url` that is a path starts with the script prefix, as reverse()
        URLs do.
        """
        if safe_name(path) is None:
            raise ValueError(
                f"{path!r} is not a static file name: give a relative path such as "
                "'css/site.css', without '..', '.', empty segments, backslashes or a "
                "leading '/'."
            )
        static_files = self.static_files()
        name = static_files.table.manifest.get(path, path) if static_files else path
        url = self.config.static_url
        if url.startswith("/"):
            url = current_script_prefix.get().rstrip("/") + url
        return url + name

    def static_files(self) -> StaticFiles | None:
        """The static file layer, loaded once (at start-up); None when there are no files.

        Reads static_root's manifest and builds its table of files when the manifest is
        there; otherwise serves static_dirs, looking each request up (development).
        """
        if not self._static_loaded:
            config = self.config
            if config.static_dirs or config.static_root:
                table = StaticTable.load(
                    config.static_root, config.static_dirs, config.static_max_age
                )
                self._static = StaticFiles(table, config.static_url, self.thread_pool)
            self._static_loaded = True
        return self._static

    def as_wsgi(self) -> WSGIHandler:
        """Return a WSGI callable for this same app (one event loop per worker process)."""
        return WSGIHandler(self)

    @property
    def stall_threshold(self) -> float:
        """Seconds the event loop may be blocked before a warning names the culprit; 0: off."""
        threshold = self.config.stall_threshold
        return default_threshold(self.debug) if threshold is None else threshold

    def watch_event_loop(self) -> None:
        """Warn, naming the view and line, when the running loop is blocked (idempotent)."""
        watch = watchdog.watch(self.stall_threshold)
        if watch is not None:
            self._loop_watch = watch

    def stats(self) -> dict[str, int]:
        """The runtime counters, read without locks (each value may be a moment old).

        - `requests_in_flight`: HTTP requests being served (ASGI);
        - `pool_size`, `pool_threads`, `pool_busy`, `pool_waiting_for_loop`,
          `pool_queued`: the sync pool's bound, its threads, those running sync code,
          those waiting for the event loop (holding no place), and calls waiting for one;
        - `pool_slow_starts`: sync calls that waited more than 100 ms for a place;
        - `loop_stalls`: times the event loop was blocked past `stall_threshold`;
        - `disconnect_cancellations`: views or streams cancelled because the client left.
        """
        pool = self.thread_pool.stats()
        disconnects = self._asgi.disconnects if self._asgi is not None else None
        return {
            "requests_in_flight": len(disconnects.in_flight) if disconnects else 0,
            "pool_size": self.thread_pool.size,
            "pool_threads": pool["threads"],
            "pool_busy": pool["busy"],
            "pool_waiting_for_loop": pool["waiting_for_loop"],
            "pool_queued": pool["queued"],
            "pool_slow_starts": pool["slow_starts"],
            "loop_stalls": self._loop_watch.stalls if self._loop_watch is not None else 0,
            "disconnect_cancellations": disconnects.cancelled_views if disconnects else 0,
        }

    async def startup(self, server_state: dict[str, Any] | None = None) -> None:
        """Build the app's core, then run its lifespan start-up; `server_state` is ASGI's.

        The ASGI lifespan builds the ASGI handler just before (`build()`); the WSGI
        handler builds its own chain.
        """
        self.watch_event_loop()  # first, so that a blocking start-up hook is named too
        self.core()
        # An app may be started again after a shut-down (the test client does).
        if self._asgi is not None:
            self._asgi.draining = False
        self._build_websockets().draining = False  # checks allowed_origins at start-up
        self.shutting_down = asyncio.Event()
        self._drained = None
        await self.lifespan.startup(self, server_state)
        if server_state is not None:
            # HTTP views reach these as request.state.channels, .shutting_down and
            # .static, like any app resource.
            server_state.setdefault("channels", self.channels)
            server_state.setdefault("shutting_down", self.shutting_down)
            # request.state.static("css/site.css"): the URL of a static file (App.static).
            server_state.setdefault("static", self.static)

    async def begin_shutdown(self) -> None:
        """Shut-down begins: refuse new requests, end event streams, close websockets.

        Sets `shutting_down`. Returns once the websockets' close frames (1001) are sent;
        calling it again does nothing.
        """
        if self.shutting_down.is_set():
            return
        self.shutting_down.set()
        if self._asgi is not None:
            self._asgi.begin_shutdown()
        if self._websockets is not None:
            await self._websockets.begin_shutdown()

    async def drain(self) -> None:
        """Begin shut-down, give what is in flight `shutdown_grace` seconds, cut the rest.

        Idempotent: a second call waits for the first one's drain.
        """
        if self._drained is None:
            self._drained = asyncio.ensure_future(self._drain())
        await asyncio.shield(self._drained)

    async def _drain(self) -> None:
        await self.begin_shutdown()
        grace = self.config.shutdown_grace
        handlers = [handler for handler in (self._asgi, self._websockets) if handler is not None]
        await asyncio.gather(*(handler.drain(grace) for handler in handlers))

    async def shutdown(self) -> None:
        """Drain what is in flight (if not drained yet), then run the shut-down steps."""
        await self.drain()
        await self.lifespan.shutdown(self)
        watchdog.unwatch(asyncio.get_running_loop())

    def build(self) -> ASGIHandler:
        """Build the ASGI handler over the core, calling each middleware factory; idempotent."""
        if self._asgi is None:
            self._asgi = ASGIHandler(self.core())
        return self._asgi

    def core(self) -> Core:
        """Compile URLs and error views, import middleware: what every adapter serves.

        Built once; no middleware factory is called here (each adapter calls them when
        it builds its chain).
        """
        if self._core is None:
            self.static_files()
            _ = self.secret_keys  # a malformed key fails here, at start-up
            config = self.config
            self._core = Core(
                resolver=self.resolver,
                middleware=tuple(_import_if_path(entry) for entry in self.middleware),
                errors=ErrorResponder(
                    debug=config.debug,
                    error_views=self._adapted_error_views(),
                    tried_routes=self._route_texts,
                    templates=self.templates,
                ),
                thread_pool=self.thread_pool,
                limits=RequestLimits(
                    data_upload_max_memory_size=config.data_upload_max_memory_size,
                    max_upload_size=config.max_upload_size,
                    data_upload_max_number_fields=config.data_upload_max_number_fields,
                    data_upload_max_number_files=config.data_upload_max_number_files,
                    data_upload_max_number_parts=config.data_upload_max_number_parts,
                    file_upload_max_memory_size=config.file_upload_max_memory_size,
                    file_upload_temp_dir=config.file_upload_temp_dir,
                    request_body_timeout=config.request_body_timeout,
                    request_body_min_rate=config.request_body_min_rate,
                ),
                allowed_hosts=AllowedHosts(config.allowed_hosts),
                append_slash=config.append_slash,
                force_script_name=config.force_script_name,
                adapt_view=self._adapt_view,
                proxy=ProxyHeaders.from_settings(
                    config.use_x_forwarded_host,
                    config.use_x_forwarded_port,
                    config.secure_proxy_ssl_header,
                ),
                templates=self.templates,
                app=self,
            )
        return self._core

    def _first_build(self) -> ASGIHandler:
        # A server that sends no lifespan events: start watching at the first request.
        self.watch_event_loop()
        return self.build()

    def _build_websockets(self) -> WebSocketHandler:
        if self._websockets is None:
            config = self.config
            self._websockets = WebSocketHandler(
                app=self,
                resolver=self.resolver,
                allowed_hosts=AllowedHosts(config.allowed_hosts),
                origins=OriginPolicy(config.allowed_origins),
                max_message_size=config.websocket_max_message_size,
                force_script_name=config.force_script_name,
                use_x_forwarded_host=config.use_x_forwarded_host,
            )
        return self._websockets

    @contextlib.asynccontextmanager
    async def _channel_layer_running(self) -> AsyncIterator[ChannelLayer]:
        await self.channels.start()
        try:
            yield self.channels
        finally:
            await self.channels.close()

    def _middleware_running(self) -> contextlib.AbstractAsyncContextManager[None]:
        # A middleware class that needs something for the app's life (the session
        # store) defines `lifespan(app)`. It is called here, before anything of it is
        # entered, so that a configuration error it raises stops the start-up as itself.
        contexts = []
        for factory in self.core().middleware:
            lifespan = getattr(getattr(factory, "middleware_class", factory), "lifespan", None)
            if lifespan is not None:
                contexts.append(lifespan(self))
        return _entered_together(contexts)

    def _adapt_view(self, view: Callable[..., Any]) -> Callable[..., Any]:
        return adapt_view(
            view, self.thread_pool, timeout=self.config.request_timeout, database=self.database
        )

    def _patterns(self) -> Sequence[Any]:
        module = self._urlconf_module()
        if module is None:
            return list(self.urlpatterns)
        patterns = getattr(module, "urlpatterns", None)
        if patterns is None:
            raise ImproperlyConfigured(
                f"The URL module {module.__name__!r} does not define `urlpatterns`."
            )
        return list(patterns)

    def _urlconf_module(self) -> ModuleType | None:
        if isinstance(self.urlpatterns, str):
            return importlib.import_module(self.urlpatterns)
        if isinstance(self.urlpatterns, ModuleType):
            return self.urlpatterns
        return None

    def _adapted_error_views(self) -> dict[int, ErrorView]:
        module = self._urlconf_module()
        views: dict[int, ErrorView] = {}
        for status in _ERROR_STATUSES:
            view = self._error_views[status] or getattr(module, f"handler{status}", None)
            if isinstance(view, str):
                view = _import_if_path(view)
            if view is not None:
                views[status] = adapt_view(view, self.thread_pool)
        return views

    def _route_texts(self) -> list[str]:
        return [route.pattern for route in self.resolver.routes()]


@contextlib.asynccontextmanager
async def _entered_together(
    contexts: Sequence[contextlib.AbstractAsyncContextManager[Any]],
) -> AsyncIterator[None]:
    async with contextlib.AsyncExitStack() as stack:
        for context in contexts:
            await stack.enter_async_context(context)
        yield


def _import_if_path(entry: Any) -> Any:
    if not isinstance(entry, str):
        return entry
    module_name, _, attribute = entry.rpartition(".")
    if not module_name:
        raise ImproperlyConfigured(f"{entry!r} is not a dotted path like 'package.module.name'.")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ImproperlyConfigured(
            f"Module {module_name!r} does not define {attribute!r} (from {entry!r})."
        ) from None

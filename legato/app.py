"""Configure an app and serve it: the ASGI entry point.

`App(...)` only records its arguments; nothing is imported or compiled until the app
starts (lifespan start-up or its first request, whichever comes first). Starting
compiles the URL table, adapts every view and middleware once, and builds the ASGI
handler; each request then goes straight to `handlers.asgi.ASGIHandler`.
"""

from __future__ import annotations

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
from legato.handlers.base import Handler
from legato.handlers.errors import ErrorResponder, ErrorView
from legato.handlers.websocket import OriginPolicy, WebSocketHandler
from legato.handlers.wsgi import WSGIHandler
from legato.http.body import RequestLimits
from legato.http.hosts import AllowedHosts
from legato.lifespan import Hook, Lifespan, LifespanFactory, Resource, serve_lifespan
from legato.sync import ThreadPool
from legato.urls.resolver import Resolver
from legato.views.adapt import adapt_view

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
        self.thread_pool = ThreadPool(self.config.thread_pool_size)
        self.database = database_from_setting(os.environ.get("LEGATO_DATABASE_URL") or database)
        resources: list[tuple[str, Resource]] = (
            [("the database connection", self.database.running)] if self.database else []
        )
        self.channels = channel_layer(channels, os.environ)
        resources.append(("the channel layer", self._channel_layer_running))
        self.lifespan = Lifespan(
            factory=lifespan,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            thread_pool=self.thread_pool,
            resources=resources,
        )
        self._error_views = {400: handler400, 403: handler403, 404: handler404, 500: handler500}
        self._resolver: Resolver | None = None
        self._asgi: ASGIHandler | None = None
        self._websockets: WebSocketHandler | None = None

    @property
    def debug(self) -> bool:
        return self.config.debug

    @property
    def resolver(self) -> Resolver:
        """The compiled URL table (compiled on first use)."""
        if self._resolver is None:
            self._resolver = Resolver(self._patterns(), adapt_view=self._adapt_view)
        return self._resolver

    def reverse(
        self,
        viewname: str | Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> str:
        return self.resolver.reverse(viewname, args=args, kwargs=kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await (self._asgi or self.build())(scope, receive, send)
        elif kind == "lifespan":
            await serve_lifespan(self, scope, receive, send)
        elif kind == "websocket":
            await (self._websockets or self._build_websockets())(scope, receive, send)
        else:
            raise ValueError(f"Legato does not handle ASGI scope type {kind!r}.")

    def as_wsgi(self) -> WSGIHandler:
        """Return a WSGI callable for this same app (one event loop per worker process)."""
        return WSGIHandler(self)

    async def startup(self, server_state: dict[str, Any] | None = None) -> None:
        """Build the app, then run its lifespan start-up; `server_state` is ASGI's."""
        self.build().draining = False  # an app may be started again after a shut-down
        self._build_websockets().draining = False  # checks allowed_origins at start-up
        await self.lifespan.startup(self, server_state)
        if server_state is not None:
            # HTTP views reach the layer as request.state.channels, like any app resource.
            server_state.setdefault("channels", self.channels)

    async def shutdown(self) -> None:
        """Drain requests in flight (`shutdown_grace`), then run the shut-down steps."""
        if self._asgi is not None:
            await self._asgi.drain(self.config.shutdown_grace)
        if self._websockets is not None:
            await self._websockets.drain(self.config.shutdown_grace)
        await self.lifespan.shutdown()

    def build(self) -> ASGIHandler:
        """Compile URLs, middleware and error views; idempotent."""
        if self._asgi is not None:
            return self._asgi
        config = self.config
        handler = Handler(
            resolver=self.resolver,
            middleware=[_import_if_path(entry) for entry in self.middleware],
            errors=ErrorResponder(
                debug=config.debug,
                error_views=self._adapted_error_views(),
                tried_routes=self._route_texts,
            ),
            thread_pool=self.thread_pool,
            append_slash=config.append_slash,
        )
        self._asgi = ASGIHandler(
            handler,
            limits=RequestLimits(
                data_upload_max_memory_size=config.data_upload_max_memory_size,
                max_upload_size=config.max_upload_size,
                data_upload_max_number_fields=config.data_upload_max_number_fields,
                file_upload_max_memory_size=config.file_upload_max_memory_size,
                file_upload_temp_dir=config.file_upload_temp_dir,
                request_body_timeout=config.request_body_timeout,
                request_body_min_rate=config.request_body_min_rate,
            ),
            allowed_hosts=AllowedHosts(config.allowed_hosts),
        )
        return self._asgi

    def _build_websockets(self) -> WebSocketHandler:
        if self._websockets is None:
            config = self.config
            self._websockets = WebSocketHandler(
                app=self,
                resolver=self.resolver,
                allowed_hosts=AllowedHosts(config.allowed_hosts),
                origins=OriginPolicy(config.allowed_origins),
                max_message_size=config.websocket_max_message_size,
            )
        return self._websockets

    @contextlib.asynccontextmanager
    async def _channel_layer_running(self) -> AsyncIterator[ChannelLayer]:
        await self.channels.start()
        try:
            yield self.channels
        finally:
            await self.channels.close()

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

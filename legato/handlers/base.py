"""Turn one HttpRequest into one response: the core every server adapter serves.

`Core` is what the app builds once (`App.core()`): URL table, middleware factories, error
mapping, thread pool, request limits and allowed hosts. Each server adapter makes one
`Pipeline` over it, for where it calls the chain from (`ChainMode`): the ASGI handler on
the event loop, the WSGI handler in the server's threads. Only the adapter in use builds
its pipeline, so each middleware factory is called once per process.

A pipeline is the middleware chain (`chain.build_chain`) around `respond`, the innermost
step: resolve the URL (or redirect to the URL with a slash, Django's APPEND_SLASH), run
the `process_view` hooks, call the view, run the `process_exception` hooks if it raised,
check what it returned. A template response (`render()`) is rendered here, as in Django:
after the `process_template_response` hooks, before any middleware sees the response, so
that middleware reading the body (GZip) find it made. `respond` is one coroutine for both
adapters; what differs is how it reaches the loop from a thread: a sync view is called
right there (no hop, the WSGI fast path), an async view and template rendering wait for
the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from legato._names import view_name
from legato._runtime.bridge import lift
from legato.context import current_app
from legato.exceptions import MiddlewareNotUsed
from legato.handlers.chain import AsyncGetResponse, ChainMode, Layer, RunAsync, build_chain
from legato.handlers.errors import ErrorResponder
from legato.handlers.hook_layer import AdaptedHook
from legato.handlers.request_urlconf import RequestResolvers
from legato.http.body import RequestLimits
from legato.http.hosts import AllowedHosts
from legato.http.proxy import ProxyHeaders
from legato.http.redirects import escape_leading_slashes
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase, HttpResponsePermanentRedirect
from legato.sync import PoolCall, ThreadPool
from legato.templates.engine import Templates
from legato.templates.response import TemplateRendering, render_lazily
from legato.urls.resolver import Resolver, Resolver404, ResolverMatch
from legato.urls.reverse import set_current_resolver

__all__ = [
    "AsyncGetResponse",
    "Core",
    "Handler",
    "MiddlewareNotUsed",
    "Pipeline",
    "RunAsync",
    "SyncGetResponse",
    "check_response",
]

SyncGetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncView = Callable[..., Awaitable[HttpResponseBase]]


@dataclass(frozen=True, slots=True)
class Core:
    """What the app builds once and every server adapter serves."""

    resolver: Resolver
    middleware: tuple[Callable[..., Any], ...]  # factories, imported, outermost first
    errors: ErrorResponder
    thread_pool: ThreadPool
    limits: RequestLimits
    allowed_hosts: AllowedHosts
    append_slash: bool = True
    # App(force_script_name=...): the mount point to use instead of the server's (None).
    force_script_name: str | None = None
    adapt_view: Callable[[Any], Any] | None = None  # for tables named by request.urlconf
    proxy: ProxyHeaders | None = None  # the proxy headers requests trust
    templates: Templates | None = None  # renders the template responses views return
    app: Any = None  # the App, made current_app for each request (legato/context.py)


class Pipeline:
    """The middleware chain around `respond`, built over `core` for one server adapter."""

    def __init__(self, core: Core, mode: ChainMode) -> None:
        self.core = core
        self.resolver = core.resolver
        self.errors = core.errors
        self.thread_pool = core.thread_pool
        self.append_slash = core.append_slash
        self.mode = mode
        self.request_resolvers = RequestResolvers(core.adapt_view)
        # `respond` runs where the chain is called from; so does its error responder.
        self.respond_to = mode.respond_to(core.errors.response_for_exception, mode.on_loop)
        # In a thread, each route's view as the thread calls it (built on first use); on
        # the loop, None: the resolver's callbacks are called as they are.
        self._thread_views: dict[Any, AsyncView] | None = None if mode.on_loop else {}
        # As Django's middleware read settings in __init__, factories may read the app's
        # (SessionMiddleware picks its hooks by the store and provides request.session).
        token = current_app.set(core.app)
        try:
            chain = build_chain(
                core.middleware, self.respond, core.errors.response_for_exception, mode
            )
        finally:
            current_app.reset(token)
        self.get_response: Layer = chain.get_response
        self.view_hooks = chain.view_hooks
        self.exception_hooks = chain.exception_hooks
        self.template_response_hooks = chain.template_response_hooks
        # Rendering awaits the template on the loop; a thread waits for it there.
        self._render_lazily = (
            render_lazily if mode.on_loop else lift(mode.wait_for_loop(render_lazily))
        )
        # Hooks that all run without awaiting need no coroutine to call them.
        self.view_hooks_await = any(is_async for _, is_async in self.view_hooks)

    async def respond(self, request: HttpRequest) -> HttpResponseBase:
        """Resolve the URL, run `process_view` hooks, call the view, check its answer,
        render it if it is a template response.

        Whatever goes wrong comes out as a response, as `catch_exceptions` does for the
        layers above; inlined here because this runs for every request.
        """
        try:
            resolver = self.resolver if request.urlconf is None else self._urlconf(request)
            try:
                match = resolver.resolve(request.path_info)
            except Resolver404 as missing:
                return self._slash_redirect(request, missing, resolver)
            request.resolver_match = match
            response = None
            if self.view_hooks:
                if self.view_hooks_await:
                    response = await self._run_view_hooks(request, match)
                else:
                    response = _first_response(
                        self.view_hooks, request, match.func, match.args, match.kwargs
                    )
            if response is None:  # no process_view hook answered: the view does
                view = match.callback
                if self._thread_views is not None:
                    view = self._in_thread(view)
                try:
                    response = await view(request, *match.args, **match.kwargs)
                except Exception as exc:
                    response = await self._exception_response(request, exc)
                if not isinstance(response, HttpResponseBase):
                    check_response(response, match)
            if isinstance(response, TemplateRendering):
                response = await self._render(request, response)
            return response
        except Exception as exc:
            return await self.respond_to(request, exc)

    async def _render(self, request: HttpRequest, response: TemplateRendering) -> HttpResponseBase:
        """Run the `process_template_response` hooks, then render, as Django does.

        An exception raised while rendering goes to the `process_exception` hooks, as one
        the view raised would.
        """
        for hook, is_async in self.template_response_hooks:
            answer = hook(request, response)
            if is_async:
                answer = await answer
            if answer is None:
                raise ValueError(
                    f"{view_name(hook)} didn't return an HttpResponse object. It returned "
                    "None instead."
                )
            response = answer
        if not isinstance(response, TemplateRendering):
            return response  # a hook answered with a response of its own
        try:
            rendered: HttpResponseBase = await self._render_lazily(response, self.core.templates)
        except Exception as exc:
            return await self._exception_response(request, exc)
        return rendered

    async def _exception_response(self, request: HttpRequest, exc: Exception) -> HttpResponseBase:
        """The response a `process_exception` hook gives for `exc`; raise it if none does."""
        response = await self._run_exception_hooks(request, exc)
        if response is None:
            raise exc
        return response

    async def _run_view_hooks(
        self, request: HttpRequest, match: ResolverMatch
    ) -> HttpResponseBase | None:
        for hook, is_async in self.view_hooks:
            response = hook(request, match.func, match.args, match.kwargs)
            if is_async:
                response = await response
            if response is not None:
                return response  # type: ignore[no-any-return]
        return None

    async def _run_exception_hooks(
        self, request: HttpRequest, exc: Exception
    ) -> HttpResponseBase | None:
        for hook, is_async in self.exception_hooks:
            response = hook(request, exc)
            if is_async:
                response = await response
            if response is not None:
                return response  # type: ignore[no-any-return]
        return None

    def _in_thread(self, callback: AsyncView) -> AsyncView:
        """The route's view as a thread calls it: decided once per route, then a lookup.

        A plain sync view, which the app wrapped only for the pool, is called in the thread
        itself: no hop. An async view, or one bounded by a deadline or given a database
        session (async wrappers), waits for the loop.
        """
        views = self._thread_views
        assert views is not None  # only a pipeline called in a thread has them
        view = views.get(callback)
        if view is None:
            if isinstance(callback, PoolCall):
                view = lift(callback.func)
            else:
                view = lift(self.mode.wait_for_loop(callback))
            views[callback] = view
        return view

    def _urlconf(self, request: HttpRequest) -> Resolver:
        """The table a middleware chose with `request.urlconf`; reverse() uses it too."""
        resolver = self.request_resolvers.resolver_for(request.urlconf)
        # Left set: the server adapter resets it when the request ends.
        set_current_resolver(resolver)
        return resolver

    def _slash_redirect(
        self, request: HttpRequest, missing: Resolver404, resolver: Resolver
    ) -> HttpResponseBase:
        """Django's APPEND_SLASH: the redirect to the path with a slash, if it resolves."""
        # Only safe methods are redirected, since a redirected POST would lose its body.
        if (
            not self.append_slash
            or request.method not in ("GET", "HEAD")
            or not resolver.should_append_slash(request.path_info)
        ):
            raise missing
        # Quoted, and a leading "//" escaped: "GET //evil.example" must not send the
        # browser to evil.example (CVE-2018-14574 in Django).
        location = escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return HttpResponsePermanentRedirect(location)


# Old name of `Pipeline`, kept importable.
Handler = Pipeline


def check_response(response: object, match: ResolverMatch) -> None:
    """Fail with Django's wording when a view returns something that is not a response."""
    if isinstance(response, HttpResponseBase):
        return
    name = view_name(match.func)
    if response is None:
        raise ValueError(
            f"The view {name} didn't return an HttpResponse object. It returned None instead."
        )
    if asyncio.iscoroutine(response):
        response.close()  # no "coroutine was never awaited" warning on top of this error
        raise ValueError(
            f"The view {name} didn't return an HttpResponse object. It returned an unawaited "
            "coroutine instead. You may need to add an 'await' into your view."
        )
    raise ValueError(
        f"The view {name} didn't return an HttpResponse object. It returned a "
        f"{type(response).__name__} instead."
    )


def _first_response(hooks: Sequence[AdaptedHook], *args: Any) -> HttpResponseBase | None:
    for hook, _ in hooks:  # hooks that need no await: called directly
        response: HttpResponseBase | None = hook(*args)
        if response is not None:
            return response
    return None

"""Build the middleware chain once, then turn one HttpRequest into one response.

The chain follows Django's protocol: each middleware is a factory called with
`get_response` and returning a callable; its `sync_capable` / `async_capable` flags say
which kind of `get_response` it wants. Everything is adapted here, when the app starts:
an async middleware around an async core gets the core directly, a sync-only middleware
is wrapped once for the thread pool. Nothing is adapted per request.

Every layer is wrapped so that an exception becomes a response before it reaches the
layer above (as in Django), and the innermost layer resolves the URL, runs the
`process_view` hooks, calls the view and checks what it returned.

A sync server (WSGI) gets the same chain built in sync mode (`run_async` given): the
outermost layer is sync, sync middleware, hooks and views run in the server's thread
with no hop, and every async part is called through `run_async`, which waits for it on
the app's event loop. Only the innermost step exists twice (`respond`, `respond_sync`):
Python cannot write one function that both awaits and does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from legato._names import dotted_name
from legato.exceptions import ImproperlyConfigured
from legato.handlers.errors import ErrorResponder
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase, HttpResponsePermanentRedirect
from legato.sync import PoolCall, ThreadPool, async_to_sync, iscoroutinefunction
from legato.urls.resolver import Resolver, Resolver404, ResolverMatch

__all__ = [
    "AsyncGetResponse",
    "Handler",
    "MiddlewareNotUsed",
    "RunAsync",
    "SyncGetResponse",
    "check_response",
]

AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]
SyncGetResponse = Callable[[HttpRequest], HttpResponseBase]
# Runs an awaitable to completion from a thread without a running loop; returns its result.
RunAsync = Callable[[Any], Any]


class MiddlewareNotUsed(Exception):
    """Raise from a middleware factory to leave that middleware out of the chain."""


class Handler:
    """The app's request pipeline: middleware chain, resolver and error mapping.

    Async by default (`get_response`, for the ASGI handler); given `run_async`, sync
    (`get_response_sync`, for the WSGI handler).
    """

    def __init__(
        self,
        *,
        resolver: Resolver,
        middleware: Sequence[Callable[..., Any]],
        errors: ErrorResponder,
        thread_pool: ThreadPool,
        append_slash: bool = True,
        run_async: RunAsync | None = None,
    ) -> None:
        self.resolver = resolver
        self.middleware = tuple(middleware)
        self.errors = errors
        self.thread_pool = thread_pool
        self.append_slash = append_slash
        self.run_async = run_async
        # Async callables in async mode, sync ones in sync mode.
        self.view_hooks: list[Callable[..., Any]] = []
        self.exception_hooks: list[Callable[..., Any]] = []
        if run_async is None:
            # `respond` turns its own exceptions into responses: no wrapper around it.
            self.get_response: AsyncGetResponse = self._build_chain(middleware, self.respond, True)
        else:
            self._sync_views: dict[int, Callable[..., Any]] = {}
            innermost = self.catch_exceptions_sync(self.respond_sync)
            self.get_response_sync: SyncGetResponse = self._build_chain(
                middleware, innermost, False
            )

    def _build_chain(
        self,
        factories: Sequence[Callable[..., Any]],
        handler: Callable[..., Any],
        handler_is_async: bool,
    ) -> Any:
        for factory in reversed(factories):
            wants_async = _middleware_mode(factory, handler_is_async)
            adapted = self._adapt(handler, handler_is_async, wants_async)
            try:
                instance = factory(adapted)
            except MiddlewareNotUsed:
                continue
            if instance is None:
                raise ImproperlyConfigured(
                    f"Middleware factory {dotted_name(factory)} returned None; it must return the "
                    "callable that handles a request."
                )
            self._collect_hooks(instance)
            # Adjacent sync middleware stay in one thread; only mode changes cost a hop.
            handler_is_async = _is_async_callable(instance)
            if handler_is_async:
                handler = self.catch_exceptions(instance)
            else:
                handler = self.catch_exceptions_sync(instance)
        return self._adapt(handler, handler_is_async, self.run_async is None)

    def _adapt(
        self, handler: Callable[..., Any], is_async: bool, want_async: bool
    ) -> Callable[..., Any]:
        if is_async == want_async:
            return handler
        if want_async:
            return self.thread_pool.wrap(handler)
        return self._to_sync(handler)

    def _to_sync(self, func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        run_async = self.run_async
        if run_async is None:
            # In a pool thread started from the app's loop: asgiref finds that loop.
            return async_to_sync(func)

        def call(*args: Any, **kwargs: Any) -> Any:
            return run_async(func(*args, **kwargs))

        return call

    def _collect_hooks(self, instance: Any) -> None:
        process_view = getattr(instance, "process_view", None)
        if process_view is not None:
            self.view_hooks.insert(0, self._in_mode(process_view))
        process_exception = getattr(instance, "process_exception", None)
        if process_exception is not None:
            self.exception_hooks.append(self._in_mode(process_exception))

    def _in_mode(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Adapt a hook, once, to the chain's mode."""
        is_async = _is_async_callable(func)
        if self.run_async is None:
            return func if is_async else self.thread_pool.wrap(func)
        return self._to_sync(func) if is_async else func

    def catch_exceptions(self, get_response: AsyncGetResponse) -> AsyncGetResponse:
        """Wrap one layer so that whatever it raises comes out as a response."""
        respond_to = self.errors.response_for_exception

        async def inner(request: HttpRequest) -> HttpResponseBase:
            try:
                return await get_response(request)
            except Exception as exc:
                return await respond_to(request, exc)

        return inner

    def catch_exceptions_sync(
        self, get_response: Callable[[HttpRequest], HttpResponseBase]
    ) -> Callable[[HttpRequest], HttpResponseBase]:
        """The same for a sync layer (in a pool thread, or a sync server's thread)."""
        respond_to: Callable[[HttpRequest, Exception], HttpResponseBase] = self._to_sync(
            self.errors.response_for_exception
        )

        def inner(request: HttpRequest) -> HttpResponseBase:
            try:
                return get_response(request)
            except Exception as exc:
                return respond_to(request, exc)

        return inner

    async def respond(self, request: HttpRequest) -> HttpResponseBase:
        """Resolve the URL, run `process_view` hooks, call the view, check its answer.

        Whatever goes wrong comes out as a response, as `catch_exceptions` does for the
        layers above; inlined here because this runs for every request.
        """
        try:
            try:
                match = self.resolver.resolve(request.path_info)
            except Resolver404:
                redirect = self._slash_redirect(request)
                if redirect is None:
                    raise
                return redirect
            request.resolver_match = match
            if self.view_hooks:
                response = await self._run_view_hooks(request, match)
                if response is not None:
                    return response
            try:
                response = await match.callback(request, *match.args, **match.kwargs)
            except Exception as exc:
                response = await self._run_exception_hooks(request, exc)
                if response is None:
                    raise
            if not isinstance(response, HttpResponseBase):
                check_response(response, match)
            return response
        except Exception as exc:
            return await self.errors.response_for_exception(request, exc)

    async def _run_view_hooks(
        self, request: HttpRequest, match: ResolverMatch
    ) -> HttpResponseBase | None:
        for hook in self.view_hooks:
            response: HttpResponseBase | None = await hook(
                request, match.func, match.args, match.kwargs
            )
            if response is not None:
                return response
        return None

    async def _run_exception_hooks(
        self, request: HttpRequest, exc: Exception
    ) -> HttpResponseBase | None:
        for hook in self.exception_hooks:
            response: HttpResponseBase | None = await hook(request, exc)
            if response is not None:
                return response
        return None

    def respond_sync(self, request: HttpRequest) -> HttpResponseBase:
        """`respond` for a sync server, in the calling thread: the same steps, no await."""
        match = self._resolve(request)
        if isinstance(match, HttpResponseBase):
            return match
        response = _first_response(self.view_hooks, request, match.func, match.args, match.kwargs)
        if response is not None:
            return response
        try:
            response = self._sync_view(match)(request, *match.args, **match.kwargs)
        except Exception as exc:
            response = _first_response(self.exception_hooks, request, exc)
            if response is None:
                raise
        check_response(response, match)
        return response

    def _sync_view(self, match: ResolverMatch) -> Callable[..., Any]:
        # Decided once per route: a dict lookup per request, no inspection.
        view = self._sync_views.get(id(match.callback))
        if view is None:
            callback = match.callback
            # A plain sync view, wrapped only for the pool, is called here; an async one, or
            # one bounded by a deadline, runs on the loop.
            view = callback.func if isinstance(callback, PoolCall) else self._to_sync(callback)
            self._sync_views[id(callback)] = view
        return view

    def _resolve(self, request: HttpRequest) -> ResolverMatch | HttpResponseBase:
        """The route for the request (set on it), or the APPEND_SLASH redirect."""
        try:
            match = self.resolver.resolve(request.path_info)
        except Resolver404:
            redirect = self._slash_redirect(request)
            if redirect is None:
                raise
            return redirect
        request.resolver_match = match
        return match

    def _slash_redirect(self, request: HttpRequest) -> HttpResponseBase | None:
        # Django's APPEND_SLASH: only safe methods are redirected, since a redirected POST
        # would lose its body.
        if not self.append_slash or request.method not in ("GET", "HEAD"):
            return None
        if not self.resolver.should_append_slash(request.path_info):
            return None
        query = request.META.get("QUERY_STRING", "")
        location = request.path + "/" + (f"?{query}" if query else "")
        return HttpResponsePermanentRedirect(location)


def check_response(response: object, match: ResolverMatch) -> None:
    """Fail with Django's wording when a view returns something that is not a response."""
    if isinstance(response, HttpResponseBase):
        return
    name = dotted_name(match.func)
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


def _first_response(hooks: list[Callable[..., Any]], *args: Any) -> HttpResponseBase | None:
    for hook in hooks:
        response: HttpResponseBase | None = hook(*args)
        if response is not None:
            return response
    return None


def _middleware_mode(factory: Callable[..., Any], handler_is_async: bool) -> bool:
    can_sync = getattr(factory, "sync_capable", True)
    can_async = getattr(factory, "async_capable", False)
    if not can_sync and not can_async:
        raise ImproperlyConfigured(
            f"Middleware {dotted_name(factory)} must have at least one of "
            "sync_capable/async_capable set to True."
        )
    if not handler_is_async and can_sync:
        return False
    return bool(can_async)


def _is_async_callable(obj: object) -> bool:
    # A class-based middleware with `async def __call__` counts as async without the
    # `markcoroutinefunction(self)` line Django requires in its __init__.
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - the class's method, not obj
    return iscoroutinefunction(obj) or (call is not None and iscoroutinefunction(call))

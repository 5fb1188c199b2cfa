"""Build the middleware chain once, then turn one HttpRequest into one response.

The chain follows Django's protocol: each middleware is a factory called with
`get_response` and returning a callable; its `sync_capable` / `async_capable` flags say
which kind of `get_response` it wants. Everything is adapted here, when the app starts:
an async middleware around an async core gets the core directly, a sync-only middleware
is wrapped once for the thread pool. Nothing is adapted per request.

Every layer is wrapped so that an exception becomes a response before it reaches the
layer above (as in Django), and the innermost layer resolves the URL, runs the
`process_view` hooks, calls the view and checks what it returned. Neighbouring hook-style
middleware (`legato.middleware.Middleware`) become a single layer that guards itself
(`hook_layer.py`): their hooks cost a call each, not a layer each.

A sync server (WSGI) gets the same chain built in sync mode (`run_async` given): the
outermost layer is sync, sync middleware, hooks and views run in the server's thread
with no hop, and every async part is called through `run_async`, which waits for it on
the app's event loop. Only the innermost step exists twice (`respond`, `respond_sync`):
Python cannot write one function that both awaits and does not.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from legato._names import dotted_name
from legato.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from legato.handlers.errors import ErrorResponder
from legato.handlers.hook_layer import AdaptedHook, HookLayer, SyncHookLayer
from legato.http.redirects import escape_leading_slashes
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase, HttpResponsePermanentRedirect
from legato.middleware.base import Middleware
from legato.sync import (
    PoolCall,
    ThreadPool,
    async_to_sync,
    iscoroutinefunction,
    waiting_for_the_loop,
)
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

_NAME_ATTRIBUTES = ("__module__", "__name__", "__qualname__")


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
        # Each with whether its result must be awaited (never, in sync mode).
        self.view_hooks: list[AdaptedHook] = []
        self.exception_hooks: list[AdaptedHook] = []
        if run_async is None:
            # `respond` turns its own exceptions into responses: no wrapper around it.
            self.get_response: AsyncGetResponse = self._build_chain(middleware, self.respond, True)
        else:
            self._sync_views: dict[int, Callable[..., Any]] = {}
            innermost = self.catch_exceptions_sync(self.respond_sync)
            self.get_response_sync: SyncGetResponse = self._build_chain(
                middleware, innermost, False
            )
        # Hooks that all run on the loop without awaiting need no coroutine to call them.
        self.view_hooks_await = any(is_async for _, is_async in self.view_hooks)

    def _build_chain(
        self,
        factories: Sequence[Callable[..., Any]],
        handler: Callable[..., Any],
        handler_is_async: bool,
    ) -> Any:
        hook_group: list[Middleware] = []  # neighbouring hook-style middleware, innermost first
        for factory in reversed(factories):
            if hook_group and not _is_hook_factory(factory):
                handler, handler_is_async = self._hook_layer(hook_group, handler, handler_is_async)
                hook_group = []
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
            if _is_hook_middleware(instance):
                hook_group.append(instance)
                continue
            # Adjacent sync middleware stay in one thread; only mode changes cost a hop.
            handler_is_async = _is_async_callable(instance)
            if handler_is_async:
                handler = self.catch_exceptions(instance)
            else:
                handler = self.catch_exceptions_sync(instance)
        if hook_group:
            handler, handler_is_async = self._hook_layer(hook_group, handler, handler_is_async)
        return self._adapt(handler, handler_is_async, self.run_async is None)

    def _hook_layer(
        self, group: list[Middleware], handler: Callable[..., Any], handler_is_async: bool
    ) -> tuple[Callable[..., Any], bool]:
        """One layer for `group` (innermost first) around `handler`, in the chain's mode."""
        members = group[::-1]
        if self.run_async is None:
            inner = self._adapt(handler, handler_is_async, True)
            respond_to = self.errors.response_for_exception
            return HookLayer(members, inner, respond_to, self.adapt_hook), True
        inner = self._adapt(handler, handler_is_async, False)
        respond_to_sync = self._to_sync(self.errors.response_for_exception)
        return SyncHookLayer(members, inner, respond_to_sync, self.adapt_hook), False

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

        # A sync layer in a pool thread (below an async one) frees its place while it waits.
        wait = waiting_for_the_loop(run_async)

        def call(*args: Any, **kwargs: Any) -> Any:
            return wait(func(*args, **kwargs))

        # Named as `func` in error messages; its __dict__ is not copied, since a marker
        # there could make this sync function pass for a coroutine function.
        return functools.update_wrapper(call, func, _NAME_ATTRIBUTES, ())

    def _collect_hooks(self, instance: Any) -> None:
        process_view = getattr(instance, "process_view", None)
        if process_view is not None:
            self.view_hooks.insert(0, self.adapt_hook(instance, process_view))
        process_exception = getattr(instance, "process_exception", None)
        if process_exception is not None:
            self.exception_hooks.append(self.adapt_hook(instance, process_exception))

    def adapt_hook(self, middleware: object, hook: Callable[..., Any]) -> AdaptedHook:
        """Adapt a middleware's hook, once, to the chain's mode.

        Under ASGI a sync hook runs in the pool, unless its middleware is `nonblocking`.
        """
        is_async = _is_async_callable(hook)
        if self.run_async is None:
            if is_async:
                return hook, True
            if getattr(middleware, "nonblocking", False):
                return hook, False
            return self.thread_pool.wrap(hook), True
        return (self._to_sync(hook) if is_async else hook), False

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
                if self.view_hooks_await:
                    response = await self._run_view_hooks(request, match)
                else:
                    response = _first_response(
                        self.view_hooks, request, match.func, match.args, match.kwargs
                    )
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
        # Quoted, and a leading "//" escaped: "GET //evil.example" must not send the
        # browser to evil.example (CVE-2018-14574 in Django).
        location = escape_leading_slashes(request.get_full_path(force_append_slash=True))
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


def _first_response(hooks: list[AdaptedHook], *args: Any) -> HttpResponseBase | None:
    for hook, _ in hooks:  # hooks that need no await: called directly
        response: HttpResponseBase | None = hook(*args)
        if response is not None:
            return response
    return None


def _is_hook_factory(factory: object) -> bool:
    """Whether `factory` builds a hook-style Middleware (a subclass, or its configure())."""
    cls = getattr(factory, "middleware_class", factory)
    return isinstance(cls, type) and issubclass(cls, Middleware) and not _defines_call(cls)


def _is_hook_middleware(instance: object) -> bool:
    # A subclass that writes its own __call__ is an ordinary layer: its __call__ decides.
    return isinstance(instance, Middleware) and not _defines_call(type(instance))


def _defines_call(cls: type) -> bool:
    return any("__call__" in vars(klass) for klass in cls.__mro__ if klass is not object)


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

"""Build the middleware chain once, then turn one HttpRequest into one response.

The chain follows Django's protocol: each middleware is a factory called with
`get_response` and returning a callable; its `sync_capable` / `async_capable` flags say
which kind of `get_response` it wants. Everything is adapted here, when the app starts:
an async middleware around an async core gets the core directly, a sync-only middleware
is wrapped once for the thread pool. Nothing is adapted per request.

Every layer is wrapped so that an exception becomes a response before it reaches the
layer above (as in Django), and the innermost layer resolves the URL, runs the
`process_view` hooks, calls the view and checks what it returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.handlers.errors import ErrorResponder
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase, HttpResponsePermanentRedirect
from legato.sync import ThreadPool, async_to_sync, iscoroutinefunction
from legato.urls.resolver import Resolver, Resolver404, ResolverMatch

__all__ = ["AsyncGetResponse", "Handler", "MiddlewareNotUsed", "check_response"]

AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]
ViewHook = Callable[..., Awaitable[HttpResponseBase | None]]
ExceptionHook = Callable[[HttpRequest, Exception], Awaitable[HttpResponseBase | None]]


class MiddlewareNotUsed(Exception):
    """Raise from a middleware factory to leave that middleware out of the chain."""


class Handler:
    """The app's request pipeline: middleware chain, resolver and error mapping."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        middleware: Sequence[Callable[..., Any]],
        errors: ErrorResponder,
        thread_pool: ThreadPool,
        append_slash: bool = True,
    ) -> None:
        self.resolver = resolver
        self.errors = errors
        self.thread_pool = thread_pool
        self.append_slash = append_slash
        self.view_hooks: list[ViewHook] = []
        self.exception_hooks: list[ExceptionHook] = []
        self.get_response: AsyncGetResponse = self._build_chain(middleware)

    def _build_chain(self, factories: Sequence[Callable[..., Any]]) -> AsyncGetResponse:
        handler: Callable[..., Any] = self.catch_exceptions(self.respond)
        handler_is_async = True
        for factory in reversed(factories):
            wants_async = _middleware_mode(factory, handler_is_async)
            adapted = self._adapt(handler, handler_is_async, wants_async)
            try:
                instance = factory(adapted)
            except MiddlewareNotUsed:
                continue
            if instance is None:
                raise ImproperlyConfigured(
                    f"Middleware factory {_name(factory)} returned None; it must return the "
                    "callable that handles a request."
                )
            self._collect_hooks(instance)
            # Adjacent sync middleware stay in one thread; only mode changes cost a hop.
            handler_is_async = _is_async_callable(instance)
            if handler_is_async:
                handler = self.catch_exceptions(instance)
            else:
                handler = self.catch_exceptions_sync(instance)
        return self._adapt(handler, handler_is_async, True)

    def _adapt(
        self, handler: Callable[..., Any], is_async: bool, want_async: bool
    ) -> Callable[..., Any]:
        if is_async == want_async:
            return handler
        if want_async:
            return self.thread_pool.wrap(handler)
        return async_to_sync(handler)

    def _collect_hooks(self, instance: Any) -> None:
        process_view = getattr(instance, "process_view", None)
        if process_view is not None:
            self.view_hooks.insert(0, self._as_async(process_view))
        process_exception = getattr(instance, "process_exception", None)
        if process_exception is not None:
            self.exception_hooks.append(self._as_async(process_exception))

    def _as_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        return func if _is_async_callable(func) else self.thread_pool.wrap(func)

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
        """The same for a sync layer, which runs in a pool thread."""
        respond_to = async_to_sync(self.errors.response_for_exception)

        def inner(request: HttpRequest) -> HttpResponseBase:
            try:
                return get_response(request)
            except Exception as exc:
                return respond_to(request, exc)

        return inner

    async def respond(self, request: HttpRequest) -> HttpResponseBase:
        """Resolve the URL, run `process_view` hooks, call the view, check its answer."""
        try:
            match = self.resolver.resolve(request.path_info)
        except Resolver404:
            redirect = self._slash_redirect(request)
            if redirect is None:
                raise
            return redirect
        request.resolver_match = match
        response = None
        for hook in self.view_hooks:
            response = await hook(request, match.func, match.args, match.kwargs)
            if response is not None:
                return response
        try:
            response = await match.callback(request, *match.args, **match.kwargs)
        except Exception as exc:
            response = await self._run_exception_hooks(request, exc)
            if response is None:
                raise
        check_response(response, match)
        return response

    async def _run_exception_hooks(
        self, request: HttpRequest, exc: Exception
    ) -> HttpResponseBase | None:
        for hook in self.exception_hooks:
            response = await hook(request, exc)
            if response is not None:
                return response
        return None

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
    name = _name(match.func)
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


def _middleware_mode(factory: Callable[..., Any], handler_is_async: bool) -> bool:
    can_sync = getattr(factory, "sync_capable", True)
    can_async = getattr(factory, "async_capable", False)
    if not can_sync and not can_async:
        raise ImproperlyConfigured(
            f"Middleware {_name(factory)} must have at least one of sync_capable/async_capable "
            "set to True."
        )
    if not handler_is_async and can_sync:
        return False
    return bool(can_async)


def _is_async_callable(obj: object) -> bool:
    # A class-based middleware with `async def __call__` counts as async without the
    # `markcoroutinefunction(self)` line Django requires in its __init__.
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - the class's method, not obj
    return iscoroutinefunction(obj) or (call is not None and iscoroutinefunction(call))


def _name(obj: object) -> str:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{qualname}" if module else qualname

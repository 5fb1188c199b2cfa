"""Write middleware as hooks, as with Django's `MiddlewareMixin`, at the cost of a call.

A `Middleware` subclass defines any of `process_request`, `process_view`,
`process_exception` and `process_response`, each `def` or `async def`. Legato does not
make each one a layer of the chain: the class declares `hook_style = True`, and
neighbouring hook-style entries run together as one layer (`handlers/hook_layer.py`), so
a middleware that only adds a header costs a function call per request, not a coroutine
and an exception guard. A subclass that writes its own `__call__` wraps the call itself:
it is declared an ordinary layer (`hook_style = False`) when the class is created.

Called directly, as a Django-style unit test does (`XFrameOptionsMiddleware(get_response)
(request)`), an instance runs `process_request`, `get_response` and `process_response` as
Django's `MiddlewareMixin.__call__` does: a sync call given a sync `get_response`, an
awaitable given an async one. The chain never makes that call, so it costs the chain
nothing.

In the chain, `def` hooks run in the app's thread pool, as any sync code in Legato does,
because they may block. A class whose sync hooks only compute (no I/O, no locks held for
long) says so with `nonblocking = True`; they then run on the event loop, with no thread
hop. Legato's built-in middleware are written that way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from legato._names import dotted_name
from legato.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction, sync_to_async

__all__ = ["Middleware"]

M = TypeVar("M", bound="Middleware")


class Middleware:
    """Base class of hook-style middleware; subclass it and define the hooks you need.

    Hooks, in the order a request meets them:

    - `process_request(request)`: before the URL is resolved; a response returned here
      is the answer (the view is not called).
    - `process_view(request, view_func, view_args, view_kwargs)`: after resolving, before
      the view; a response returned here is the answer.
    - `process_exception(request, exception)`: the view raised; a response returned here
      replaces the error page.
    - `process_template_response(request, response)`: the view returned a template
      response (`render()`), not rendered yet; change its `context_data` or
      `template_name`, and return it (or another response).
    - `process_response(request, response)`: every response on its way out, including
      one a hook returned; return the response to send (usually the same object).

    Options are keyword arguments of `__init__`; `configure(...)` makes a factory that
    passes them (`App(middleware=[SecurityMiddleware.configure(hsts_seconds=3600)])`).
    A hook that `__init__` sets to None is not called at all, so an option that turns a
    hook off can take its cost away too.
    """

    # The chain gives a Middleware whatever mode it is in; the flags say it can take both.
    sync_capable: ClassVar[bool] = True
    async_capable: ClassVar[bool] = True
    nonblocking: ClassVar[bool] = False
    # Run by its hooks, with its hook-style neighbours, rather than called as a layer.
    hook_style: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__call__" in vars(cls) and "hook_style" not in vars(cls):
            # Its own __call__ decides what a request goes through: an ordinary layer,
            # which its subclasses inherit.
            cls.hook_style = False

    def __init__(self, get_response: Callable[..., Any]) -> None:
        # The chain calls the hooks and never this; `__call__` does, as Django's mixin.
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode and type(self).__call__ is Middleware.__call__:
            # Django's mark: an async caller sees it must await this middleware.
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        """Handle `request` through this middleware alone, as Django's mixin does."""
        if self.async_mode:
            return self._acall(request)
        response = None
        process_request = getattr(self, "process_request", None)
        if process_request is not None:
            response = _sync_result(process_request(request))
        if response is None:
            response = self.get_response(request)
        process_response = getattr(self, "process_response", None)
        if process_response is not None:
            response = _sync_result(process_response(request, response))
        return response

    async def _acall(self, request: Any) -> Any:
        response = None
        process_request = getattr(self, "process_request", None)
        if process_request is not None:
            response = await self._async_call(process_request, request)
        if response is None:
            response = await self.get_response(request)
        process_response = getattr(self, "process_response", None)
        if process_response is not None:
            response = await self._async_call(process_response, request, response)
        return response

    async def _async_call(self, hook: Callable[..., Any], *args: Any) -> Any:
        """Await an async hook; run a sync one in a thread, unless it is `nonblocking`."""
        if iscoroutinefunction(hook):
            return await hook(*args)
        if self.nonblocking:
            return hook(*args)
        return await sync_to_async(hook)(*args)

    @classmethod
    def configure(cls: type[M], **options: Any) -> Callable[[Callable[..., Any]], M]:
        """Return a middleware factory that builds this class with `options`.

        The option names are checked now, so a misspelt one fails where it is written.
        """
        try:
            inspect.signature(cls).bind(_unused_get_response, **options)
        except TypeError as exc:
            raise TypeError(f"{dotted_name(cls)}.configure(): {exc}") from None

        def factory(get_response: Callable[..., Any]) -> M:
            return cls(get_response, **options)

        factory.__name__ = cls.__name__
        factory.__qualname__ = f"{cls.__qualname__}.configure"
        factory.__module__ = cls.__module__
        factory.sync_capable = True  # type: ignore[attr-defined]
        factory.async_capable = True  # type: ignore[attr-defined]
        factory.hook_style = cls.hook_style  # type: ignore[attr-defined]
        factory.middleware_class = cls  # type: ignore[attr-defined]
        return factory

    def __repr__(self) -> str:
        return f"<{dotted_name(type(self))}>"


def _sync_result(answer: Any) -> Any:
    """What a hook gave, run to its end if it is a coroutine (an `async def` hook)."""
    if inspect.iscoroutine(answer):
        return async_to_sync(_awaited)(answer)
    return answer


async def _awaited(answer: Awaitable[Any]) -> Any:
    return await answer


def _unused_get_response(request: Any) -> Any:
    raise RuntimeError("Legato calls a Middleware's hooks, not its get_response.")

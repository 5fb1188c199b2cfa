"""Build the middleware chain: a pure function from the factories and a mode to a `Chain`.

The chain follows Django's protocol: each factory is called once, innermost first, with
`get_response`, and returns the callable that handles a request; its `sync_capable` /
`async_capable` flags say which kind of `get_response` it wants. A middleware is one of:

- an ordinary layer (a function, or a class with its own `__call__`): called with the
  request, behind its own exception guard (`catch_exceptions`), as in Django;
- hook-style, declared by `hook_style = True` (`legato.middleware.Middleware` carries
  it): neighbouring hook-style middleware run as one `HookLayer`, a call per hook.

Every layer is written once, as a coroutine function, and placed where it runs: on the
event loop, or in a thread. In a thread (a pool thread, or a WSGI server's) a layer's
coroutine never waits for the loop: a part that needs the loop is reached through
`ChainMode.wait_for_loop`, which blocks the thread, so the thread runs the coroutine to
its end with `run_inline`. A layer on the loop calls a layer in a thread through the
pool (one hop); a layer in a thread calls one on the loop by waiting for it. Adjacent
sync middleware stay in one thread; only a change of place costs a crossing.

The mode says where the outermost layer is called from (`ChainMode.asgi`: the loop;
`ChainMode.wsgi`: the server's thread), and so where the innermost step, the hook
layers and the `process_view` / `process_exception` hooks run. Everything is adapted
here, once, when the app starts; nothing per request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from legato._names import dotted_name
from legato._runtime.bridge import async_to_sync, inline, lift
from legato._runtime.pool import ThreadPool, waiting_for_the_loop
from legato.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from legato.handlers.hook_layer import AdaptedHook, HookLayer, catch_exceptions
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase
from legato.sync import iscoroutinefunction

__all__ = [
    "AsyncGetResponse",
    "Chain",
    "ChainMode",
    "Layer",
    "RespondTo",
    "RunAsync",
    "build_chain",
    "declares_hook_style",
]

AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]
# A layer Legato makes: calling it gives a coroutine (which a thread can run inline).
Layer = Callable[[HttpRequest], Coroutine[Any, Any, HttpResponseBase]]
# Turns an exception raised while handling a request into the response to send.
RespondTo = Callable[[HttpRequest, Exception], Awaitable[HttpResponseBase]]
# Runs an awaitable to its end on the app's loop, from a thread without one; returns its result.
RunAsync = Callable[[Any], Any]
# Makes an async callable a sync one that, called in a thread, waits for the loop to run it.
WaitForLoop = Callable[[Callable[..., Awaitable[Any]]], Callable[..., Any]]

_NAME_ATTRIBUTES = ("__module__", "__name__", "__qualname__")


@dataclass(frozen=True, slots=True)
class Chain:
    """A built chain: the outermost layer, and the hooks the innermost step runs."""

    get_response: Layer
    view_hooks: tuple[AdaptedHook, ...]  # process_view, outermost middleware first
    exception_hooks: tuple[AdaptedHook, ...]  # process_exception, innermost first
    # process_template_response, innermost first (Django's order)
    template_response_hooks: tuple[AdaptedHook, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainMode:
    """Where a chain is called from, and how its parts cross between loop and threads."""

    on_loop: bool  # the outermost layer is awaited on the loop (ASGI), else in a thread
    thread_pool: ThreadPool
    wait_for_loop: WaitForLoop

    @classmethod
    def asgi(cls, thread_pool: ThreadPool) -> ChainMode:
        """Called on the server's loop; a pool thread waits for it with `async_to_sync`."""
        return cls(True, thread_pool, async_to_sync)

    @classmethod
    def wsgi(cls, thread_pool: ThreadPool, run_async: RunAsync) -> ChainMode:
        """Called in the server's threads; they wait for the app's loop with `run_async`."""
        return cls(False, thread_pool, _waiting_with(run_async))

    def place(self, layer: Callable[..., Any], on_loop: bool, want_on_loop: bool) -> Any:
        """`layer`, a coroutine function placed `on_loop` or not, as one placed as wanted."""
        if on_loop == want_on_loop:
            return layer
        if want_on_loop:  # a layer in a thread, called from the loop: one hop
            return self.thread_pool.wrap(inline(layer))
        return lift(self.wait_for_loop(layer))  # on the loop, called from a thread: wait

    def as_sync(self, layer: Callable[..., Any], on_loop: bool) -> Callable[..., Any]:
        """`layer` as the plain sync callable a sync middleware calls, in a thread."""
        return self.wait_for_loop(layer) if on_loop else inline(layer)

    def adapt_hook(self, middleware: object, hook: Callable[..., Any]) -> AdaptedHook:
        """A middleware's hook, once, for where the hooks run: where the chain is called.

        On the loop a sync hook runs in the pool, unless its middleware is `nonblocking`;
        in a thread an async hook waits for the loop.
        """
        is_async = is_async_callable(hook)
        if not self.on_loop:
            return (self.wait_for_loop(hook) if is_async else hook), False
        if is_async:
            return hook, True
        if getattr(middleware, "nonblocking", False):
            return hook, False
        return self.thread_pool.wrap(hook), True

    def respond_to(self, response_for_exception: RespondTo, on_loop: bool) -> RespondTo:
        """The error responder (a coroutine function on the loop), for a layer's place."""
        return self.place(response_for_exception, True, on_loop)  # type: ignore[no-any-return]


class _Layer(NamedTuple):
    get_response: Callable[..., Any]  # a coroutine function
    on_loop: bool


def build_chain(
    factories: Sequence[Callable[..., Any]],
    innermost: AsyncGetResponse,
    response_for_exception: RespondTo,
    mode: ChainMode,
) -> Chain:
    """Call each factory once, innermost first, and return the chain they make.

    `innermost` is the step inside every middleware (resolve, view); it guards itself
    and runs where the mode says the chain is called from.
    """
    layer = _Layer(innermost, mode.on_loop)
    group: list[Any] = []  # neighbouring hook-style middleware, innermost first
    built: list[Any] = []  # every middleware instance, innermost first
    for factory in reversed(factories):
        if group and not declares_hook_style(factory):
            layer = _hook_layer(group, layer, response_for_exception, mode)
            group = []
        instance = _instantiate(factory, layer, mode)
        if instance is None:
            continue  # MiddlewareNotUsed
        built.append(instance)
        if declares_hook_style(instance):
            group.append(instance)
        else:
            layer = _guarded(instance, response_for_exception, mode)
    if group:
        layer = _hook_layer(group, layer, response_for_exception, mode)
    return Chain(
        get_response=mode.place(layer.get_response, layer.on_loop, mode.on_loop),
        view_hooks=tuple(_hooks(reversed(built), "process_view", mode)),
        exception_hooks=tuple(_hooks(built, "process_exception", mode)),
        template_response_hooks=tuple(_hooks(built, "process_template_response", mode)),
    )


def declares_hook_style(middleware: object) -> bool:
    """Whether a factory (class, or `configure()` result) or instance says `hook_style`."""
    return getattr(middleware, "hook_style", False) is True


def _instantiate(factory: Callable[..., Any], inner: _Layer, mode: ChainMode) -> Any:
    """Call `factory` with `inner` as the `get_response` it wants; None if not used."""
    wants_async = _wants_async(factory, inner.on_loop)
    if wants_async:
        get_response = mode.place(inner.get_response, inner.on_loop, True)
    else:
        get_response = mode.as_sync(inner.get_response, inner.on_loop)
    try:
        instance = factory(get_response)
    except MiddlewareNotUsed:
        return None
    if instance is None:
        raise ImproperlyConfigured(
            f"Middleware factory {dotted_name(factory)} returned None; it must return the "
            "callable that handles a request."
        )
    return instance


def _guarded(instance: Any, response_for_exception: RespondTo, mode: ChainMode) -> _Layer:
    """An ordinary middleware as a layer: on the loop if async, else in a thread."""
    on_loop = is_async_callable(instance)
    call = instance if on_loop else lift(instance)
    return _Layer(catch_exceptions(call, mode.respond_to(response_for_exception, on_loop)), on_loop)


def _hook_layer(
    group: list[Any], inner: _Layer, response_for_exception: RespondTo, mode: ChainMode
) -> _Layer:
    """One layer for `group` (innermost first) around `inner`, where the chain is called."""
    on_loop = mode.on_loop
    layer = HookLayer(
        group[::-1],
        mode.place(inner.get_response, inner.on_loop, on_loop),
        mode.respond_to(response_for_exception, on_loop),
        mode.adapt_hook,
    )
    return _Layer(layer, on_loop)


def _hooks(instances: Any, name: str, mode: ChainMode) -> list[AdaptedHook]:
    hooks = []
    for instance in instances:
        hook = getattr(instance, name, None)
        if hook is not None:
            hooks.append(mode.adapt_hook(instance, hook))
    return hooks


def _wants_async(factory: Callable[..., Any], inner_on_loop: bool) -> bool:
    can_sync = getattr(factory, "sync_capable", True)
    can_async = getattr(factory, "async_capable", False)
    if not can_sync and not can_async:
        raise ImproperlyConfigured(
            f"Middleware {dotted_name(factory)} must have at least one of "
            "sync_capable/async_capable set to True."
        )
    if not inner_on_loop and can_sync:
        return False
    return bool(can_async)


def _waiting_with(run_async: RunAsync) -> WaitForLoop:
    # A thread that waits is a pool thread below an async layer, or the server's: the
    # first gives its place in the pool up meanwhile.
    wait = waiting_for_the_loop(run_async)

    def wait_for_loop(func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return wait(func(*args, **kwargs))

        # Named as `func` in error messages; its __dict__ is not copied, since a marker
        # there could make this sync function pass for a coroutine function.
        return functools.update_wrapper(call, func, _NAME_ATTRIBUTES, ())

    return wait_for_loop


def is_async_callable(obj: object) -> bool:
    """Whether calling `obj` gives an awaitable: a coroutine function, or an object whose
    class defines `async def __call__` (no `markcoroutinefunction(self)` needed, unlike
    Django)."""
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - the class's method, not obj
    return iscoroutinefunction(obj) or (call is not None and iscoroutinefunction(call))

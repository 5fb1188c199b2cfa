"""Run an app's start-up and shut-down work, and speak the ASGI lifespan protocol.

Start-up enters the user's `lifespan` context manager (what it yields becomes
`app.state`, and each request's `request.state`), then runs `on_startup` hooks in order;
shut-down runs `on_shutdown` hooks, then leaves the context manager. During both, the app
is `legato.context.current_app`, as during a request. Sync hooks run in the app's thread
pool, so they may use `async_to_sync` against the app's loop. A failing
hook is named in the error, which the server prints before it exits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from legato._names import dotted_name
from legato.context import current_app
from legato.sync import ThreadPool, iscoroutinefunction

if TYPE_CHECKING:
    from legato.app import App
    from legato.handlers.asgi import Receive, Scope, Send

__all__ = [
    "Hook",
    "Lifespan",
    "LifespanFactory",
    "Resource",
    "StartupFailed",
    "serve_lifespan",
    "startup_failure_observer",
]

Hook = Callable[[], Any]
Resource = Callable[[], contextlib.AbstractAsyncContextManager[Any]]
LifespanFactory = Callable[
    ["App"], contextlib.AbstractAsyncContextManager[Mapping[str, Any] | None]
]


class StartupFailed(Exception):
    """A start-up step raised; the message names the step."""


# Lets the test client raise what made start-up fail (an ImproperlyConfigured, say) where
# a server only gets the message: set in the client's context, which the lifespan task
# inherits, as `handlers.errors.request_exception_observer` is for requests.
startup_failure_observer: ContextVar[Callable[[BaseException], None] | None] = ContextVar(
    "startup_failure_observer", default=None
)


class Lifespan:
    """The app's start-up and shut-down steps, run once each."""

    def __init__(
        self,
        *,
        factory: LifespanFactory | None,
        on_startup: Sequence[Hook],
        on_shutdown: Sequence[Hook],
        thread_pool: ThreadPool,
        resources: Sequence[tuple[str, Resource]] = (),
    ) -> None:
        self.factory = factory
        self.resources = list(resources)
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.thread_pool = thread_pool
        self._exit_stack: contextlib.AsyncExitStack | None = None

    async def startup(self, app: App, server_state: dict[str, Any] | None = None) -> None:
        # Start-up code reaches the app as request code does (get_current_app()): a hook
        # that creates users or tables needs no module-level `app` to close over.
        token = current_app.set(app)
        try:
            await self._start(app, server_state)
        finally:
            current_app.reset(token)

    async def _start(self, app: App, server_state: dict[str, Any] | None) -> None:
        stack = contextlib.AsyncExitStack()
        self._exit_stack = stack
        # The framework's own resources (the database engine) come first, so the user's
        # lifespan and hooks can use them, and are released last.
        for name, resource in self.resources:
            await _step(name, stack.enter_async_context(resource()))
        if self.factory is not None:
            state = await _step(
                dotted_name(self.factory), stack.enter_async_context(self.factory(app))
            )
            if state:
                vars(app.state).update(state)
                if server_state is not None:
                    # ASGI servers copy this dict into every request's scope["state"],
                    # which is what request.state shows.
                    server_state.update(state)
        for hook in self.on_startup:
            await _step(dotted_name(hook), self._run(hook))

    async def shutdown(self, app: App | None = None) -> None:
        token = current_app.set(app) if app is not None else None
        try:
            for hook in self.on_shutdown:
                await self._run(hook)
        finally:
            stack, self._exit_stack = self._exit_stack, None
            if stack is not None:
                await stack.aclose()
            self.thread_pool.shutdown()
            if token is not None:
                current_app.reset(token)

    async def _run(self, hook: Hook) -> Any:
        if iscoroutinefunction(hook):
            return await hook()
        result = await self.thread_pool.wrap(hook)()
        if isinstance(result, Awaitable):
            return await result  # a sync callable that returned a coroutine or future
        return result


async def _step(name: str, work: Awaitable[Any]) -> Any:
    try:
        return await work
    except Exception as exc:
        raise StartupFailed(f"Start-up hook {name} failed: {type(exc).__name__}: {exc}") from exc


async def serve_lifespan(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the server's lifespan messages: startup, then shutdown."""
    await receive()  # lifespan.startup
    try:
        app.build()  # the ASGI handler: a middleware factory that fails, fails start-up
        await app.startup(scope.get("state"))
    except Exception as exc:
        observer = startup_failure_observer.get()
        if observer is not None:
            observer(exc)
        await send({"type": "lifespan.startup.failed", "message": str(exc)})
        return
    await send({"type": "lifespan.startup.complete"})
    await receive()  # lifespan.shutdown
    try:
        await app.shutdown()
    except Exception as exc:
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})

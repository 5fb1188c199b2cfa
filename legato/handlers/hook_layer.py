"""The layers a request goes through at request time, around the innermost step.

An ordinary middleware is wrapped in `catch_exceptions`, so that whatever it raises comes
out as a response before it reaches the layer above (as in Django). Neighbouring
hook-style middleware (`legato.middleware.Middleware`) run as one `HookLayer`, which
gives what Django gives a stack of `MiddlewareMixin` classes, each its own layer behind
its own exception guard:

- `process_request` hooks run outermost first. The first one to return a response, or
  to raise (the exception becomes the error response), ends the way in: neither the
  inner middleware nor the view run.
- `process_response` hooks run innermost first, for every middleware the request
  reached: the one whose `process_request` answered included, the one whose
  `process_request` raised left out (its own guard answered for it, as in Django).
- A `process_response` that raises hands the error response to the next one out.

Nothing escapes a hook layer, so it needs no guard of its own. Each hook comes with
whether its result must be awaited, decided once when the chain is built
(`ChainMode.adapt_hook`). Both layers are coroutines, on the loop or run in a thread
(`chain.py` says how); in a thread, nothing they await waits for the loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from legato._names import dotted_name
from legato._runtime.bridge import named_as
from legato.http.request import HttpRequest
from legato.http.response import HttpResponseBase

__all__ = ["AdaptedHook", "HookLayer", "catch_exceptions", "layer_hooks"]

# A hook as the layer calls it, and whether what it returns must be awaited.
AdaptedHook = tuple[Callable[..., Any], bool]
# The position of the hook's middleware in the layer (0 = outermost), and the hook.
_Positioned = tuple[tuple[int, Callable[..., Any], bool], ...]


def layer_hooks(
    members: Sequence[Any], adapt_hook: Callable[[Any, Callable[..., Any]], AdaptedHook]
) -> tuple[_Positioned, _Positioned]:
    """The request hooks outermost first and the response hooks innermost first."""
    request_hooks = []
    response_hooks = []
    for position, member in enumerate(members):
        process_request = getattr(member, "process_request", None)
        if process_request is not None:
            request_hooks.append((position, *adapt_hook(member, process_request)))
        process_response = getattr(member, "process_response", None)
        if process_response is not None:
            response_hooks.append((position, *adapt_hook(member, process_response)))
    return tuple(request_hooks), tuple(reversed(response_hooks))


def catch_exceptions(
    get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]],
    respond_to: Callable[[HttpRequest, Exception], Awaitable[HttpResponseBase]],
) -> Callable[[HttpRequest], Awaitable[HttpResponseBase]]:
    """Wrap one layer so that whatever it raises comes out as a response."""

    async def guarded(request: HttpRequest) -> HttpResponseBase:
        try:
            return await get_response(request)
        except Exception as exc:
            return await respond_to(request, exc)

    return named_as(guarded, get_response)


class HookLayer:
    """Neighbouring hook-style middleware as one layer: their hooks, then `inner`."""

    __slots__ = ("depth", "inner", "request_hooks", "respond_to", "response_hooks")

    def __init__(
        self,
        members: Sequence[Any],
        inner: Callable[[HttpRequest], Awaitable[HttpResponseBase]],
        respond_to: Callable[[HttpRequest, Exception], Awaitable[HttpResponseBase]],
        adapt_hook: Callable[[Any, Callable[..., Any]], AdaptedHook],
    ) -> None:
        self.depth = len(members)
        self.inner = inner
        self.respond_to = respond_to
        self.request_hooks, self.response_hooks = layer_hooks(members, adapt_hook)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        reached = self.depth  # middleware at this position or deeper are not unwound
        if self.request_hooks:
            response, reached = await self._enter(request)
        if response is None:
            try:
                response = await self.inner(request)
            except Exception as exc:  # the inner layers guard themselves; this is a backstop
                response = await self.respond_to(request, exc)
        for position, hook, is_async in self.response_hooks:
            if position >= reached:
                continue
            try:
                answer = hook(request, response)
                if is_async:
                    answer = await answer
                response = _checked(answer, hook)
            except Exception as exc:
                response = await self.respond_to(request, exc)
        return response

    async def _enter(self, request: HttpRequest) -> tuple[HttpResponseBase | None, int]:
        """Run the request hooks: the response one gave (or None), and how far it got."""
        for position, hook, is_async in self.request_hooks:
            try:
                answer = hook(request)
                if is_async:
                    answer = await answer
            except Exception as exc:
                return await self.respond_to(request, exc), position
            if answer is not None:
                return answer, position + 1
        return None, self.depth


def _checked(answer: object, hook: Callable[..., Any]) -> HttpResponseBase:
    if isinstance(answer, HttpResponseBase):
        return answer
    raise ValueError(
        f"{dotted_name(getattr(hook, 'func', hook))} returned {type(answer).__name__} "
        "instead of a response; process_response must return the response to send "
        "(usually the one it was given)."
    )

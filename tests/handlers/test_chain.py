"""Building the middleware chain: a pure function of the factories and the mode.

Behaviour through a whole app is in test_pipeline.py and tests/middleware; here the
builder itself: what it returns, that it leaves its inputs alone, and how a middleware
says it is hook-style.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from legato._runtime.bridge import run_inline
from legato.handlers.chain import ChainMode, build_chain, declares_hook_style
from legato.handlers.hook_layer import HookLayer
from legato.http import HttpRequest, HttpResponse, HttpResponseBase
from legato.middleware import Middleware
from legato.sync import ThreadPool


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    started = ThreadPool(2)
    yield started
    started.shutdown()


async def innermost(request: HttpRequest) -> HttpResponseBase:
    return HttpResponse("inner")


async def respond_to(request: HttpRequest, exc: Exception) -> HttpResponseBase:
    return HttpResponse(f"error: {exc}", status=500)


def named(name: str) -> type[Middleware]:
    class Hooks(Middleware):
        nonblocking = True

        def process_view(self, request: HttpRequest, *args: Any) -> None:
            return None

        def process_exception(self, request: HttpRequest, exc: Exception) -> None:
            return None

    Hooks.__qualname__ = name
    return Hooks


def owners(hooks: tuple[tuple[Any, bool], ...]) -> list[str]:
    return [type(hook.__self__).__qualname__ for hook, _ in hooks]


def test_the_chain_carries_the_hooks_in_djangos_order(pool: ThreadPool) -> None:
    factories = [named("Outer"), named("Middle"), named("Inner")]

    chain = build_chain(factories, innermost, respond_to, ChainMode.asgi(pool))

    assert owners(chain.view_hooks) == ["Outer", "Middle", "Inner"]
    assert owners(chain.exception_hooks) == ["Inner", "Middle", "Outer"]
    assert isinstance(chain.get_response, HookLayer)


def test_building_twice_gives_two_chains_and_leaves_the_factories_alone(
    pool: ThreadPool,
) -> None:
    calls: list[str] = []

    def plain(get_response: Any) -> Any:
        calls.append("plain")
        return get_response

    factories = (plain, named("Hooks"))
    first = build_chain(factories, innermost, respond_to, ChainMode.asgi(pool))
    second = build_chain(factories, innermost, respond_to, ChainMode.asgi(pool))

    assert calls == ["plain", "plain"]
    assert len(first.view_hooks) == len(second.view_hooks) == 1  # nothing accumulates
    assert first.view_hooks[0][0] is not second.view_hooks[0][0]  # one instance each


def test_a_chain_built_for_a_thread_runs_there_without_a_loop(pool: ThreadPool) -> None:
    def sync_layer(get_response: Any) -> Any:
        def middleware(request: HttpRequest) -> HttpResponseBase:
            response: HttpResponseBase = get_response(request)
            response["X-Sync"] = "yes"
            return response

        return middleware

    def no_loop(awaitable: Any) -> Any:
        raise AssertionError("nothing here needs the loop")

    chain = build_chain(
        [sync_layer, named("Hooks")], innermost, respond_to, ChainMode.wsgi(pool, no_loop)
    )

    response = run_inline(chain.get_response(HttpRequest()))
    assert (response.content, response["X-Sync"]) == (b"inner", "yes")


class OwnCall(Middleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = await self.get_response(request)
        return response


class OwnCallChild(OwnCall):
    pass


class OwnCallDeclaredHooks(OwnCall):
    hook_style = True


def test_hook_style_is_declared_by_the_base_class_and_inherited() -> None:
    hooks = named("Hooks")
    assert declares_hook_style(hooks)
    assert declares_hook_style(hooks.configure())
    assert declares_hook_style(hooks(innermost))


def test_a_subclass_with_its_own_call_is_declared_an_ordinary_layer() -> None:
    assert not declares_hook_style(OwnCall)
    assert not declares_hook_style(OwnCallChild)  # inherited
    assert not declares_hook_style(OwnCall.configure())
    assert declares_hook_style(OwnCallDeclaredHooks)  # its own declaration wins


def test_plain_factories_are_ordinary_layers() -> None:
    def factory(get_response: Any) -> Any:
        return get_response

    assert not declares_hook_style(factory)

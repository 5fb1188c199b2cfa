"""The tables the rules read: every entry names a real rule, a real function and a remedy."""

from __future__ import annotations

import asyncio
import importlib
import inspect

import pytest

from legato.check.calls import (
    ASYNC_TO_SYNC,
    BLOCKING_CALLS,
    BLOCKING_METHODS,
    COROUTINE_FUNCTIONS,
    SYNC_TO_ASYNC,
    TO_THREAD,
    blocking_call,
)
from legato.check.findings import RULES


def test_every_blocking_entry_names_a_blocking_rule_and_an_async_remedy() -> None:
    entries = [*BLOCKING_CALLS.values()]
    entries += [found for methods in BLOCKING_METHODS.values() for found in methods.values()]
    for found in entries:
        assert found.code in RULES
        assert found.code.startswith("LGT1")
        assert found.advice.startswith("use ")


@pytest.mark.parametrize(
    "name",
    ["time.sleep", "subprocess.run", "socket.getaddrinfo", "builtins.open", "os.system"],
)
def test_standard_library_entries_name_functions_that_exist(name: str) -> None:
    module, _, attribute = name.rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert blocking_call(name) is BLOCKING_CALLS[name]


def test_unknown_or_missing_names_block_nothing() -> None:
    assert blocking_call(None) is None
    assert blocking_call("asyncio.sleep") is None
    assert blocking_call("time.monotonic") is None


def test_coroutine_functions_are_coroutine_functions() -> None:
    for name in COROUTINE_FUNCTIONS:
        assert inspect.iscoroutinefunction(getattr(asyncio, name.removeprefix("asyncio.")))


def test_the_bridges_include_legatos_own_and_to_thread_is_a_way_to_a_thread() -> None:
    assert "legato.sync.async_to_sync" in ASYNC_TO_SYNC
    assert "legato.sync.sync_to_async" in SYNC_TO_ASYNC
    assert SYNC_TO_ASYNC | {"asyncio.to_thread"} == TO_THREAD

"""Work scheduled with `request.after_response()`: in order, after the response, failures logged."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from legato import App
from legato.handlers.after_response import run_after_response
from legato.http import HttpRequest, HttpResponse
from legato.sync import ThreadPool
from legato.test import Client
from legato.urls import path


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    pool = ThreadPool(2)
    yield pool
    pool.shutdown()


def test_after_response_runs_in_order_after_the_response(caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []

    async def record(label: str) -> None:
        events.append(label)

    def broken() -> None:
        raise RuntimeError("side job failed")

    async def view(request: HttpRequest) -> HttpResponse:
        request.after_response(record, "first")
        request.after_response(broken)
        request.after_response(record, label="third")
        events.append("view done")
        return HttpResponse("ok")

    with Client(App([path("", view)])) as client:
        assert client.get("/").text == "ok"
    assert events == ["view done", "first", "third"]
    failure = next(r for r in caplog.records if "After-response work" in r.getMessage())
    assert "GET /" in failure.getMessage()
    assert failure.exc_info is not None


@pytest.mark.anyio
async def test_sync_work_runs_in_the_pool_and_async_work_on_the_loop(pool: ThreadPool) -> None:
    where: list[str] = []

    async def on_the_loop() -> None:
        where.append(threading.current_thread().name)

    request = HttpRequest()
    request.after_response(lambda: where.append(threading.current_thread().name))
    request.after_response(on_the_loop)
    await run_after_response(request, pool)
    assert where[0] != threading.current_thread().name
    assert where[1] == threading.current_thread().name


@pytest.mark.anyio
async def test_a_failure_names_the_work_and_the_request_on_one_log_line(
    pool: ThreadPool, caplog: pytest.LogCaptureFixture
) -> None:
    def send_receipt() -> None:
        raise ConnectionError("mail server down")

    request = HttpRequest({"type": "http", "method": "GET", "path": "/pay/\n forged"})
    request.after_response(send_receipt)
    with caplog.at_level(logging.ERROR, logger="legato.request"):
        await run_after_response(request, pool)
    (record,) = caplog.records
    message = record.getMessage()
    assert "send_receipt failed: GET /pay/\\x0a forged" in message
    assert f"(request id {request.id})" in message

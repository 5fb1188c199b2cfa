"""Sync views for the thread-pool size measurement (`python -m bench.pool.run`)."""

import time

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path


def blocking_io(request: HttpRequest) -> HttpResponse:
    time.sleep(0.02)  # a sync driver or HTTP client waiting 20 ms, the GIL released
    return HttpResponse("io")


def cpu_bound(request: HttpRequest) -> HttpResponse:
    deadline = time.perf_counter() + 0.001
    while time.perf_counter() < deadline:  # 1 ms of pure Python, the GIL held
        pass
    return HttpResponse("cpu")


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


app = App([path("", hello), path("io/", blocking_io), path("cpu/", cpu_bound)])

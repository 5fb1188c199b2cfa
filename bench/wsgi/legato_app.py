"""The same hello view, async and sync, as a Legato app served over WSGI (`application`).

No middleware, as in the Django subject. `as_wsgi()` starts nothing here: the worker's
loop thread and lifespan start on its first request.
"""

from __future__ import annotations

from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.urls import path

HELLO = {"message": "Hello, world!"}


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


def sync_hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


app = App([path("hello/", hello), path("sync-hello/", sync_hello)])
application = app.as_wsgi()

"""The same hello view, async and sync, as a Django project served over WSGI (`application`).

Django is configured in-process with `settings.configure()`, with no middleware and no
installed apps, so the comparison is view against view: the request goes straight from
Django's WSGIHandler to the URL resolver and the view. An async view under WSGI runs
through `async_to_sync`, which starts a fresh event loop in a new thread per request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings  # type: ignore[import-untyped]
from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped]
from django.http import JsonResponse  # type: ignore[import-untyped]
from django.urls import path  # type: ignore[import-untyped]

HELLO = {"message": "Hello, world!"}


async def hello(request: Any) -> Any:
    return JsonResponse(HELLO)


def sync_hello(request: Any) -> Any:
    return JsonResponse(HELLO)


urlpatterns = [path("hello/", hello), path("sync-hello/", sync_hello)]

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
application = get_wsgi_application()

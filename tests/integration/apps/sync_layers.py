"""A Django-style sync middleware in front of async views: the pool must not cap them."""

import asyncio
import threading

from legato import App
from legato.http import HttpRequest, HttpResponse, JsonResponse
from legato.sync import async_to_sync
from legato.urls import path


def legacy(get_response):
    def middleware(request):
        return get_response(request)

    return middleware


def async_stamp(get_response):
    async def middleware(request):
        response = await get_response(request)
        response["X-Async"] = "yes"
        return response

    return middleware


async_stamp.async_capable = True
async_stamp.sync_capable = False


async def sleepy(request: HttpRequest) -> HttpResponse:
    await asyncio.sleep(float(request.GET.get("seconds", "2")))
    return HttpResponse("slept")


def bridged(request: HttpRequest) -> HttpResponse:
    async_to_sync(asyncio.sleep)(float(request.GET.get("seconds", "2")))
    return HttpResponse("slept through async_to_sync")


def threads(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"threads": threading.active_count()})


urlpatterns = [
    path("", threads),
    path("sleep/", sleepy),
    path("bridged/", bridged),
    path("threads/", threads),
]
app = App(urlpatterns, middleware=[legacy])
layered = App(urlpatterns, middleware=[async_stamp, legacy])
application = layered.as_wsgi()
bare = App(urlpatterns)

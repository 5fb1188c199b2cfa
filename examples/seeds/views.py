"""The seed tutorials' views, as written for Django, with only the import lines changed.

Each function below is one snippet from the tutorials Legato started from; the helpers
the tutorials leave undefined (`some_async_function`, `slow_api_call`) are defined here
as stand-ins that wait like a real API call would.
"""

import asyncio
import time

from legato.http import HttpResponse, JsonResponse
from legato.views import View


async def some_async_function():
    await asyncio.sleep(0.1)  # stands in for an API call or a database query
    return {"temperature": 21, "unit": "C"}


async def slow_api_call():
    await asyncio.sleep(0.2)
    return ["first result", "second result"]


async def async_view(request):
    await asyncio.sleep(2)
    return JsonResponse({"message": "Async response after delay"})


async def hello(request):
    return HttpResponse("Hello, async!")


async def mi_vista(request):
    # Lógica asíncrona aquí
    return JsonResponse({"mensaje": "Hola, mundo asíncrono!"})


async def fetch_data(request):
    data = await some_async_function()
    return JsonResponse({"data": data})


async def fetch_result(request):
    data = await slow_api_call()
    return JsonResponse({"result": data})


async def slow_view(request):
    await asyncio.sleep(2)  # wait 2 seconds without blocking
    return HttpResponse("Finished waiting!")


def sync_slow_view(request):
    # The contrast: a sync view that sleeps holds one of the app's pool threads meanwhile.
    time.sleep(2)
    return HttpResponse("Finished waiting in a thread!")


class GreetingView(View):
    greeting = "Hello"

    async def get(self, request):
        await asyncio.sleep(0.05)
        return JsonResponse({"greeting": self.greeting, "method": "GET"})

    async def post(self, request):
        payload = request.json() if request.body else {}
        name = payload.get("name", "stranger")
        return JsonResponse({"greeting": f"{self.greeting}, {name}!", "method": "POST"})

"""An app that builds URLs three ways (reverse(), APPEND_SLASH, redirect()), to mount."""

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.shortcuts import redirect
from legato.urls import get_script_prefix, path, reverse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(reverse("item", args=[3]))


async def item(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"item {pk}")


def where(request: HttpRequest) -> HttpResponse:
    parts = (request.script_name, request.path, request.path_info, get_script_prefix())
    return HttpResponse("|".join(parts))


async def go(request: HttpRequest) -> HttpResponse:
    return redirect("item", pk=4)


urlpatterns = [
    path("", home),
    path("items/<int:pk>/", item, name="item"),
    path("where/", where),
    path("go/", go),
]

app = App(urlpatterns)
application = app.as_wsgi()
# Behind a proxy that strips "/shop" and tells the server nothing.
forced_app = App(urlpatterns, force_script_name="/shop")
forced_application = forced_app.as_wsgi()

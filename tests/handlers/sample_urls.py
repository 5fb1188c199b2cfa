"""A URL module named by `request.urlconf` in the tests."""

from legato.http import HttpRequest, HttpResponse
from legato.urls import path, reverse


def tenant_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"tenant home at {reverse('tenant-home')}")


urlpatterns = [path("tenant/", tenant_home, name="tenant-home")]

"""XFrameOptionsMiddleware and the per-view framing decorators, under ASGI and WSGI alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import XFrameOptionsMiddleware
from legato.urls import path
from legato.views.decorators import (
    xframe_options_deny,
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from tests.parity import ServeBoth


async def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


@xframe_options_exempt
async def embeddable(request: HttpRequest) -> HttpResponse:
    return HttpResponse("frame me")


@xframe_options_sameorigin
def same_origin_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sync view, same origin")


@xframe_options_deny
async def never(request: HttpRequest) -> HttpResponse:
    return HttpResponse("never")


ROUTES = [
    path("", page),
    path("embed/", embeddable),
    path("same/", same_origin_only),
    path("never/", never),
]


def framing(both: ServeBoth, *middleware: object) -> Callable[[str], str | None]:
    """The X-Frame-Options a path gets, the same through ASGI and WSGI."""
    pair = both(lambda: App(ROUTES, middleware=middleware))
    return lambda url: pair.get(url).headers.get("x-frame-options")


def test_responses_are_denied_framing_by_default(both: ServeBoth) -> None:
    x_frame_options = framing(both, XFrameOptionsMiddleware)
    assert x_frame_options("/") == "DENY"
    assert x_frame_options("/embed/") is None
    assert x_frame_options("/same/") == "SAMEORIGIN"


def test_sameorigin_can_be_the_app_wide_value(both: ServeBoth) -> None:
    x_frame_options = framing(both, XFrameOptionsMiddleware.configure(x_frame_options="sameorigin"))
    assert x_frame_options("/") == "SAMEORIGIN"
    assert x_frame_options("/never/") == "DENY"


def test_decorators_work_without_the_middleware(both: ServeBoth) -> None:
    x_frame_options = framing(both)
    assert x_frame_options("/same/") == "SAMEORIGIN"
    assert x_frame_options("/") is None


def test_an_unknown_value_is_refused() -> None:
    app = App(ROUTES, middleware=[XFrameOptionsMiddleware.configure(x_frame_options="ALLOW")])
    with pytest.raises(ImproperlyConfigured, match="'DENY' or 'SAMEORIGIN'"):
        app.build()


def test_an_instance_called_directly_adds_the_header_as_in_a_django_unit_test() -> None:
    def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse("page")

    assert XFrameOptionsMiddleware(get_response)(HttpRequest())["X-Frame-Options"] == "DENY"
    exempt = HttpResponse()
    exempt.xframe_options_exempt = True  # type: ignore[attr-defined]
    assert "X-Frame-Options" not in XFrameOptionsMiddleware(lambda request: exempt)(HttpRequest())

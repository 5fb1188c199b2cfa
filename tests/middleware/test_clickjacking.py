"""XFrameOptionsMiddleware and the per-view framing decorators."""

from __future__ import annotations

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import HttpRequest, HttpResponse
from legato.middleware import XFrameOptionsMiddleware
from legato.test import Client
from legato.urls import path
from legato.views.decorators import (
    xframe_options_deny,
    xframe_options_exempt,
    xframe_options_sameorigin,
)


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


def test_responses_are_denied_framing_by_default() -> None:
    with Client(App(ROUTES, middleware=[XFrameOptionsMiddleware])) as client:
        assert client.get("/")["X-Frame-Options"] == "DENY"
        assert "X-Frame-Options" not in client.get("/embed/")
        assert client.get("/same/")["X-Frame-Options"] == "SAMEORIGIN"


def test_sameorigin_can_be_the_app_wide_value() -> None:
    middleware = XFrameOptionsMiddleware.configure(x_frame_options="sameorigin")
    with Client(App(ROUTES, middleware=[middleware])) as client:
        assert client.get("/")["X-Frame-Options"] == "SAMEORIGIN"
        assert client.get("/never/")["X-Frame-Options"] == "DENY"


def test_decorators_work_without_the_middleware() -> None:
    with Client(App(ROUTES)) as client:
        assert client.get("/same/")["X-Frame-Options"] == "SAMEORIGIN"
        assert "X-Frame-Options" not in client.get("/")


def test_an_unknown_value_is_refused() -> None:
    app = App(ROUTES, middleware=[XFrameOptionsMiddleware.configure(x_frame_options="ALLOW")])
    with pytest.raises(ImproperlyConfigured, match="'DENY' or 'SAMEORIGIN'"):
        app.build()

"""A URL module with an app_name, included by dotted path in the tests."""

from __future__ import annotations

from typing import Any

from legato.urls.patterns import path

app_name = "shop"


def product(request: object, **kwargs: Any) -> None:
    return None


urlpatterns = [path("products/<int:pk>/", product, name="product")]

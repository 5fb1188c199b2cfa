"""The feed project's URLs (ROOT_URLCONF of `bench.apps.django_feed_app`)."""

from __future__ import annotations

from django.urls import path  # type: ignore[import-untyped]

from bench.apps.django_feed import views

urlpatterns = [
    path("hello/", views.hello),
    path("feed/", views.feed, name="feed"),
    path("login/", views.log_in, name="login"),
    path("u/<str:username>/", views.profile, name="profile"),
]

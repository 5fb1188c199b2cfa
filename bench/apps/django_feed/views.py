"""The feed page, a profile stub its links point to, and a log-in endpoint for the harness."""

from __future__ import annotations

from django.contrib.auth import aauthenticate, alogin  # type: ignore[import-untyped]
from django.contrib.auth.views import redirect_to_login  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.shortcuts import render  # type: ignore[import-untyped]

from bench.apps.django_feed.models import Post
from bench.apps.settings import HELLO
from bench.feed_data import FEED_LENGTH

__all__ = ["feed", "hello", "log_in", "profile"]


async def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse(HELLO)


async def feed(request: HttpRequest) -> HttpResponse:
    # The check login_required makes, written out: on an async view the decorator runs
    # its test through sync_to_async, a thread hop the Legato rows do not pay.
    user = await request.auser()
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    latest = (
        Post.objects.filter(author__followers__follower=user)
        .select_related("author")
        .order_by("-created")[:FEED_LENGTH]
    )
    posts = [post async for post in latest]
    return render(request, "django_feed/feed.html", {"user": user, "posts": posts})


async def profile(request: HttpRequest, username: str) -> HttpResponse:
    return HttpResponse(username)


async def log_in(request: HttpRequest) -> HttpResponse:
    user = await aauthenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponse("wrong username or password", status=403)
    await alogin(request, user)
    return HttpResponse("logged in")

"""A small site for the auth tests: the auth views and pages guarded every way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from legato import App
from legato.auth import (
    AuthenticationMiddleware,
    LoginRequiredMixin,
    PermissionRequiredMixin,
    UserPassesTestMixin,
    authenticate,
    create_user,
    login,
    login_required,
    permission_required,
    user_passes_test,
)
from legato.auth.models import Base, User, grant_permissions
from legato.http import HttpResponse, JsonResponse
from legato.middleware import DEFAULT_MIDDLEWARE
from legato.sessions import SessionMiddleware
from legato.shortcuts import render
from legato.sync import async_to_sync
from legato.urls import include, path
from legato.views import View
from tests.auth.conftest import make_app


@login_required
async def async_private(request: Any) -> HttpResponse:
    user = await request.auser()
    return HttpResponse(f"async hello {user.username}")


@login_required
def sync_private(request: Any) -> HttpResponse:
    return HttpResponse(f"sync hello {request.user.username}")


@login_required(login_url="/elsewhere/", redirect_field_name="back")
async def custom_login_url(request: Any) -> HttpResponse:
    return HttpResponse("ok")


@permission_required("shop.change_price")
async def async_prices(request: Any) -> HttpResponse:
    return HttpResponse("async prices")


@permission_required(["shop.change_price"], raise_exception=True)
def sync_prices(request: Any) -> HttpResponse:
    return HttpResponse("sync prices")


async def is_staff(user: Any) -> bool:
    return bool(user.is_staff)


@user_passes_test(is_staff)
def staff_only(request: Any) -> HttpResponse:
    return HttpResponse("staff")


@user_passes_test(lambda user: user.username.startswith("a"))
async def a_names(request: Any) -> HttpResponse:
    return HttpResponse("a")


class AsyncPrivate(LoginRequiredMixin, View):
    async def get(self, request: Any) -> HttpResponse:
        return HttpResponse(f"cbv async {request.user.username}")


class SyncPrivate(LoginRequiredMixin, View):
    def get(self, request: Any) -> HttpResponse:
        return HttpResponse(f"cbv sync {request.user.username}")


class AsyncPrices(PermissionRequiredMixin, View):
    permission_required = "shop.change_price"

    async def get(self, request: Any) -> HttpResponse:
        return HttpResponse("cbv async prices")


class SyncPrices(PermissionRequiredMixin, View):
    permission_required = ("shop.change_price",)

    def get(self, request: Any) -> HttpResponse:
        return HttpResponse("cbv sync prices")


class StaffOnly(UserPassesTestMixin, View):
    raise_exception = True

    def test_func(self) -> bool:
        return bool(self.request.user.is_staff)

    def get(self, request: Any) -> HttpResponse:
        return HttpResponse("cbv staff")


async def whoami(request: Any) -> JsonResponse:
    user = await request.auser()
    return JsonResponse({"user": user.get_username(), "authenticated": user.is_authenticated})


def sync_whoami(request: Any) -> JsonResponse:
    return JsonResponse({"user": request.user.get_username()})


async def touch_user_on_the_loop(request: Any) -> HttpResponse:
    return HttpResponse(request.user.username)  # the mistake: not awaited


def template_page(request: Any) -> Any:
    return render(request, "auth/logged_out.html", {})


async def api_login(request: Any) -> JsonResponse:
    """An app's own login view: the throttle answers 429 through the middleware."""
    data = request.json()
    user = await authenticate(request, username=data["username"], password=data["password"])
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    await login(request, user)
    return JsonResponse({"ok": True})


def sync_api_login(request: Any) -> JsonResponse:
    user = async_to_sync(authenticate)(
        request, username=request.POST["username"], password=request.POST["password"]
    )
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    async_to_sync(login)(request, user)
    return JsonResponse({"ok": True})


async def remember(request: Any) -> HttpResponse:
    """Puts something in an anonymous session, so that it has a key before login."""
    await request.session.aset("cart", ["tea"])
    return HttpResponse(request.session.session_key or "")


async def cart(request: Any) -> JsonResponse:
    return JsonResponse({"cart": await request.session.aget("cart")})


urlpatterns = [
    path("accounts/", include("legato.auth.urls")),
    path("async/", async_private),
    path("sync/", sync_private),
    path("custom/", custom_login_url),
    path("prices/async/", async_prices),
    path("prices/sync/", sync_prices),
    path("staff/", staff_only),
    path("a/", a_names),
    path("cbv/async/", AsyncPrivate.as_view()),
    path("cbv/sync/", SyncPrivate.as_view()),
    path("cbv/prices/async/", AsyncPrices.as_view()),
    path("cbv/prices/sync/", SyncPrices.as_view()),
    path("cbv/staff/", StaffOnly.as_view()),
    path("whoami/", whoami),
    path("whoami/sync/", sync_whoami),
    path("mistake/", touch_user_on_the_loop),
    path("page/", template_page),
    path("api/login/", api_login),
    path("api/login/sync/", sync_api_login),
    path("remember/", remember),
    path("cart/", cart),
]

MIDDLEWARE = [*DEFAULT_MIDDLEWARE, SessionMiddleware, AuthenticationMiddleware]


def site_app(users: Sequence[dict[str, Any]] = (), **settings: Any) -> App:
    """The site, with `users` created at start-up (a dict each: create_user's arguments,
    and "perms", the permissions to grant)."""
    app: App

    async def set_up() -> None:
        assert app.database is not None
        await app.database.create_all(Base.metadata)
        async with app.database.session() as session:
            if await session.scalar(select(User.id).limit(1)) is not None:
                return  # started again while another client holds the database
        for spec in users:
            fields = dict(spec)
            perms = fields.pop("perms", ())
            user = await create_user(app=app, **fields)
            await grant_permissions(user, *perms, app=app)

    settings.setdefault("middleware", MIDDLEWARE)
    settings.setdefault("on_startup", [set_up])
    app = make_app(urlpatterns, **settings)
    return app

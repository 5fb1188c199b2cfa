"""Guard class-based views: LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin.

Put the mixin first (`class Edit(LoginRequiredMixin, View)`). Its `dispatch` checks
before the handler runs, the async way (`await request.auser()`) for a view whose
handlers are `async def`, the sync way (`request.user`, in the pool thread) otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from legato.auth.decorators import REDIRECT_FIELD_NAME, _check_middleware, redirect_to_login
from legato.exceptions import ImproperlyConfigured, PermissionDenied
from legato.sync import iscoroutinefunction

__all__ = ["AccessMixin", "LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin"]


class AccessMixin:
    """What to do when access is refused: a 403 for a logged-in user (or with
    `raise_exception`), else a redirect to the login page."""

    login_url: str | None = None
    permission_denied_message = ""
    raise_exception = False
    redirect_field_name: str | None = REDIRECT_FIELD_NAME
    request: Any

    def get_login_url(self) -> str | None:
        return self.login_url

    def get_permission_denied_message(self) -> str:
        return self.permission_denied_message

    def get_redirect_field_name(self) -> str | None:
        return self.redirect_field_name

    def handle_no_permission(self) -> Any:
        if self.raise_exception or self.request.user.is_authenticated:
            raise PermissionDenied(self.get_permission_denied_message())
        return redirect_to_login(
            self.request.get_full_path(), self.get_login_url(), self.get_redirect_field_name()
        )

    def has_access(self) -> bool:
        """Sync views: may this request go on? (`self.request.user` is loaded.)"""
        raise NotImplementedError

    async def ahas_access(self) -> bool:
        """Async views: the same question, with the user loaded by `auser()`."""
        raise NotImplementedError

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        _check_middleware(request)
        if self.view_is_async():  # type: ignore[attr-defined]
            return self._adispatch(request, *args, **kwargs)
        if not self.has_access():
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    async def _adispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        await request.auser()  # request.user is the user from here on
        if not await self.ahas_access():
            return self.handle_no_permission()
        return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class LoginRequiredMixin(AccessMixin):
    """Let logged-in users through."""

    def has_access(self) -> bool:
        return bool(self.request.user.is_authenticated)

    async def ahas_access(self) -> bool:
        return bool(self.request.user.is_authenticated)


class PermissionRequiredMixin(AccessMixin):
    """Let users with every permission of `permission_required` through."""

    permission_required: str | Iterable[str] | None = None

    def get_permission_required(self) -> tuple[str, ...]:
        if self.permission_required is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} is missing permission_required: set it, or "
                "override get_permission_required()."
            )
        perms = self.permission_required
        return (perms,) if isinstance(perms, str) else tuple(perms)

    def has_permission(self) -> bool:
        return bool(self.request.user.has_perms(self.get_permission_required()))

    async def ahas_permission(self) -> bool:
        return bool(await self.request.user.ahas_perms(self.get_permission_required()))

    def has_access(self) -> bool:
        return self.has_permission()

    async def ahas_access(self) -> bool:
        return await self.ahas_permission()


class UserPassesTestMixin(AccessMixin):
    """Let requests through when `test_func()` (sync, or async for async views) is true."""

    def test_func(self) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} is missing test_func(): define it to return True "
            "for the users who may see this view."
        )

    def get_test_func(self) -> Any:
        return self.test_func

    def has_access(self) -> bool:
        return bool(self.get_test_func()())

    async def ahas_access(self) -> bool:
        test = self.get_test_func()
        return bool(await test() if iscoroutinefunction(test) else test())

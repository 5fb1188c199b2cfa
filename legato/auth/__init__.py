"""Users for Legato apps: Django's authentication API, async all the way.

`authenticate`, `login`, `logout`, `get_user` and `update_session_auth_hash` are
`async def`. `AuthenticationMiddleware` (after `SessionMiddleware`) gives each request
`request.user` and `await request.auser()`. The models are in `legato.auth.models`,
password hashing in `legato.auth.hashers`, failed-login throttling in
`legato.auth.throttle`, the views in `legato.auth.views` (routed by `legato.auth.urls`).
docs/auth.md is the guide.
"""

from legato.auth.anonymous import AnonymousUser
from legato.auth.authentication import (
    authenticate,
    get_user,
    login,
    logout,
    update_session_auth_hash,
)
from legato.auth.backends import ModelBackend
from legato.auth.decorators import (
    login_required,
    permission_required,
    redirect_to_login,
    user_passes_test,
)
from legato.auth.middleware import AuthenticationMiddleware
from legato.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin
from legato.auth.models import (
    create_superuser,
    create_user,
    get_user_model,
    grant_permissions,
    revoke_permissions,
)
from legato.auth.throttle import LoginThrottled

__all__ = [
    "AnonymousUser",
    "AuthenticationMiddleware",
    "LoginRequiredMixin",
    "LoginThrottled",
    "ModelBackend",
    "PermissionRequiredMixin",
    "UserPassesTestMixin",
    "authenticate",
    "create_superuser",
    "create_user",
    "get_user",
    "get_user_model",
    "grant_permissions",
    "login",
    "login_required",
    "logout",
    "permission_required",
    "redirect_to_login",
    "revoke_permissions",
    "update_session_auth_hash",
    "user_passes_test",
]

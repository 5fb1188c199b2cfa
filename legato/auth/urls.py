"""The auth views' routes: `path("accounts/", include("legato.auth.urls"))`.

Names, as Django's: login, logout, signup, password_change, password_change_done.
"""

from legato.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeDoneView,
    PasswordChangeView,
    SignupView,
)
from legato.urls import path

__all__ = ["urlpatterns"]

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", SignupView.as_view(), name="signup"),
    path("password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", PasswordChangeDoneView.as_view(), name="password_change_done"),
]

"""Log in, log out, sign up, change a password: views an app routes to or replaces.

Route them all with `path("accounts/", include("legato.auth.urls"))`, or route one class
with your own options (`LoginView.as_view(template_name="shop/login.html")`). Templates
are `auth/*.html` beside this module, found through the app's template directories
first, so an app's own `auth/login.html` (or `auth/base.html`, their common layout)
replaces Legato's.

Redirects after login go to `next` (POST, then GET) when it is a path on this site, and
to the `login_redirect_url` setting otherwise: `next` never leaves the site, whatever a
link or a form says (`//evil.example`, `https://evil.example`, `/\\evil.example`).
"""

from __future__ import annotations

from typing import Any

from legato import messages
from legato.auth.authentication import login, logout, update_session_auth_hash
from legato.auth.backends import ModelBackend
from legato.auth.decorators import REDIRECT_FIELD_NAME
from legato.auth.forms import AuthenticationForm, PasswordChangeForm, UserCreationForm
from legato.auth.mixins import LoginRequiredMixin
from legato.auth.throttle import LoginThrottled
from legato.context import get_current_app
from legato.http.redirects import url_has_allowed_host_and_scheme
from legato.http.response import HttpResponseRedirect
from legato.shortcuts import render, resolve_url
from legato.urls.reverse import reverse
from legato.views.base import View

__all__ = [
    "LoginView",
    "LogoutView",
    "PasswordChangeDoneView",
    "PasswordChangeView",
    "SignupView",
    "safe_next_url",
]


def safe_next_url(request: Any, field_name: str = REDIRECT_FIELD_NAME) -> str | None:
    """`next` from the form, else the query string, if it is a path on this site."""
    for source in (request.POST, request.GET):
        url = source.get(field_name)
        if isinstance(url, str) and url:
            # No host is allowed: only a URL without scheme and host passes, a local path.
            return url if url_has_allowed_host_and_scheme(url, allowed_hosts=()) else None
    return None


class _NextMixin:
    """The page to go to once done: a safe `next`, else `success_url`."""

    redirect_field_name = REDIRECT_FIELD_NAME
    success_url: str | None = None
    request: Any

    def get_default_redirect_url(self) -> str:
        return resolve_url(self.success_url or get_current_app().config.login_redirect_url)

    def get_success_url(self) -> str:
        return safe_next_url(self.request, self.redirect_field_name) or (
            self.get_default_redirect_url()
        )

    def next_context(self) -> dict[str, Any]:
        return {
            "redirect_field_name": self.redirect_field_name,
            "next": safe_next_url(self.request, self.redirect_field_name) or "",
        }


class LoginView(_NextMixin, View):
    """GET: the login form; POST: log in and redirect, or the form again with errors."""

    template_name = "auth/login.html"
    form_class = AuthenticationForm
    redirect_authenticated_user = False

    async def get(self, request: Any) -> Any:
        if self.redirect_authenticated_user and (await request.auser()).is_authenticated:
            return HttpResponseRedirect(self.get_success_url())
        return self.render_form(self.form_class(request))

    async def post(self, request: Any) -> Any:
        form = self.form_class(request, request.POST)
        try:
            valid = await form.avalidate()
        except LoginThrottled as exc:
            form.add_error(None, str(exc))
            response = self.render_form(form, status=429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if not valid:
            return self.render_form(form)
        await login(request, form.get_user())
        return HttpResponseRedirect(self.get_success_url())

    def render_form(self, form: AuthenticationForm, status: int = 200) -> Any:
        return render(
            self.request, self.template_name, {"form": form, **self.next_context()}, status=status
        )


class LogoutView(_NextMixin, View):
    """POST only (a link or an image must not log anyone out): log out, then redirect."""

    http_method_names = ["post", "options"]
    template_name = "auth/logged_out.html"

    async def post(self, request: Any) -> Any:
        await logout(request)
        target = safe_next_url(request, self.redirect_field_name)
        if target is None and get_current_app().config.logout_redirect_url:
            target = resolve_url(get_current_app().config.logout_redirect_url)
        if target is not None:
            return HttpResponseRedirect(target)
        return render(request, self.template_name, {})


class SignupView(_NextMixin, View):
    """GET: the sign-up form; POST: create the user, log them in, redirect."""

    template_name = "auth/signup.html"
    form_class = UserCreationForm

    async def get(self, request: Any) -> Any:
        return self.render_form(self.form_class())

    async def post(self, request: Any) -> Any:
        form = self.form_class(request.POST)
        if not await form.avalidate():
            return self.render_form(form)
        try:
            user = await form.asave()
        except ValueError:
            return self.render_form(form)  # the name was taken meanwhile: on the form
        await login(request, user, backend=ModelBackend())
        # Shown by the next page that lists messages (with MessageMiddleware in the app).
        messages.success(request, f"Welcome, {user.get_username()}!", fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())

    def render_form(self, form: UserCreationForm) -> Any:
        return render(self.request, self.template_name, {"form": form, **self.next_context()})


class PasswordChangeView(LoginRequiredMixin, View):
    """Change one's password; this session stays logged in, the user's others end."""

    template_name = "auth/password_change.html"
    form_class = PasswordChangeForm
    success_url: str | None = None

    async def get(self, request: Any) -> Any:
        return self.render_form(self.form_class(request.user))

    async def post(self, request: Any) -> Any:
        form = self.form_class(request.user, request.POST)
        if not await form.avalidate():
            return self.render_form(form)
        user = await form.asave()
        await update_session_auth_hash(request, user)
        return HttpResponseRedirect(self.success_url or reverse("password_change_done"))

    def render_form(self, form: PasswordChangeForm) -> Any:
        return render(self.request, self.template_name, {"form": form})


class PasswordChangeDoneView(LoginRequiredMixin, View):
    template_name = "auth/password_change_done.html"

    async def get(self, request: Any) -> Any:
        return render(request, self.template_name, {})

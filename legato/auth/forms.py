"""The forms of the auth views: log in, sign up, change a password.

Legato has no forms library; these are small classes with Django's form vocabulary
(`data`, `errors`, `cleaned_data`, `non_field_errors()`), validated with `await
form.avalidate()` because checking a password or a username reads the database and
hashes in the pool. Templates read `form.value(name)` to fill a field in again (never
a password) and `form.errors.get(name)` for its messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from legato.auth.authentication import authenticate
from legato.auth.hashers import MAX_PASSWORD_LENGTH
from legato.auth.models import (
    AbstractUser,
    create_user,
    database_of,
    get_user_model,
    normalize_username,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AuthenticationForm",
    "Form",
    "PasswordChangeForm",
    "UserCreationForm",
    "password_problems",
]

MIN_PASSWORD_LENGTH = 8
# Django's UnicodeUsernameValidator: letters, digits and @/./+/-/_ only.
_USERNAME = re.compile(r"^[\w.@+-]+\Z")
# One @, no spaces or control characters: the mail server has the last word.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\Z")
_NON_FIELD = "__all__"
_REQUIRED = "This field is required."


class Form:
    """Fields read from `data` (request.POST), their errors, and the cleaned values."""

    fields: tuple[str, ...] = ()
    secret_fields: frozenset[str] = frozenset()  # never shown again

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data = data if data is not None else {}
        self.is_bound = data is not None
        self.errors: dict[str, list[str]] = {}
        self.cleaned_data: dict[str, str] = {}

    def value(self, name: str) -> str:
        if name in self.secret_fields:
            return ""
        value = self.data.get(name, "")
        return value if isinstance(value, str) else ""

    def add_error(self, field: str | None, message: str) -> None:
        self.errors.setdefault(field or _NON_FIELD, []).append(message)

    def non_field_errors(self) -> list[str]:
        return self.errors.get(_NON_FIELD, [])

    async def avalidate(self) -> bool:
        """Check the fields, then the form as a whole; True if there is no error."""
        if not self.is_bound:
            return False
        for name in self.fields:
            value = self.data.get(name)
            if not isinstance(value, str) or not value:
                self.add_error(name, _REQUIRED)
            else:
                self.cleaned_data[name] = value
        if not self.errors:
            await self.aclean()
        return not self.errors

    async def aclean(self) -> None:
        """Checks across fields, once each field has a value; add_error() what is wrong."""


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in words a user can act on (empty: nothing)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} "
            "characters."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"This password is too long: at most {MAX_PASSWORD_LENGTH} characters.")
    if password.isdigit():
        problems.append("This password is entirely numeric.")
    if username and password.casefold() == username.casefold():
        problems.append("The password is too similar to the username.")
    return problems


class AuthenticationForm(Form):
    """Username and password; valid when `authenticate()` finds the user.

    Raises `LoginThrottled` when the limits on failed logins are reached.
    """

    fields = ("username", "password")
    secret_fields = frozenset({"password"})
    invalid_login = (
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    )

    def __init__(self, request: Any, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data)
        self.request = request
        self.user: Any = None

    async def aclean(self) -> None:
        self.user = await authenticate(
            self.request,
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password"],
        )
        if self.user is None:
            self.add_error(None, self.invalid_login)

    def get_user(self) -> Any:
        return self.user


class UserCreationForm(Form):
    """Sign up: a new username, an optional email, a password typed twice."""

    fields = ("username", "password1", "password2")
    secret_fields = frozenset({"password1", "password2"})

    async def aclean(self) -> None:
        username = normalize_username(self.cleaned_data["username"])
        self.cleaned_data["username"] = username
        email = self.data.get("email", "")
        email = self.cleaned_data["email"] = email.strip() if isinstance(email, str) else ""
        if email and (len(email) > 254 or not _EMAIL.match(email) or not _is_utf8(email)):
            self.add_error("email", "Enter a valid email address.")
        if len(username) > 150 or not _USERNAME.match(username):
            self.add_error(
                "username",
                "Enter a valid username of at most 150 characters: letters, digits and "
                "@/./+/-/_ only.",
            )
        elif await _username_taken(username):
            self.add_error("username", "A user with that username already exists.")
        _check_new_passwords(self, "password1", "password2", username)

    async def asave(self) -> AbstractUser:
        """Create the user; a name taken meanwhile is an error on the form (IntegrityError
        from the unique index), so check `errors` if this raises ValueError."""
        data = self.cleaned_data
        try:
            return await create_user(data["username"], data["email"], data["password1"])
        except IntegrityError:
            self.add_error("username", "A user with that username already exists.")
            raise ValueError("The username was taken meanwhile.") from None


class PasswordChangeForm(Form):
    """The old password, and the new one typed twice."""

    fields = ("old_password", "new_password1", "new_password2")
    secret_fields = frozenset(fields)

    def __init__(self, user: Any, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data)
        self.user = user

    async def aclean(self) -> None:
        if not await self.user.acheck_password(self.cleaned_data["old_password"]):
            self.add_error(
                "old_password",
                "Your old password was entered incorrectly. Please enter it again.",
            )
            return
        _check_new_passwords(self, "new_password1", "new_password2", self.user.get_username())

    async def asave(self) -> Any:
        """Store the new password's hash; the view then calls update_session_auth_hash."""
        user = self.user
        await user.aset_password(self.cleaned_data["new_password1"])
        model = type(user)
        async with database_of(None).session() as session:
            await session.execute(
                update(model).where(model.id == user.id).values(password=user.password)
            )
        return user


def _check_new_passwords(form: Form, first: str, second: str, username: str) -> None:
    password = form.cleaned_data[first]
    if password != form.cleaned_data[second]:
        form.add_error(second, "The two password fields didn't match.")
        return
    for problem in password_problems(password, username):
        form.add_error(first, problem)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no database stores it
        return False
    return True


async def _username_taken(username: str) -> bool:
    model = get_user_model()
    column = getattr(model, model.USERNAME_FIELD)
    async with database_of(None).session() as session:
        return bool(await session.scalar(select(exists().where(column == username))))

"""The user of a request that is not logged in: Django's `AnonymousUser`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

__all__ = ["AnonymousUser"]


class AnonymousUser:
    """Not logged in: no id, no permissions, `is_authenticated` False."""

    id = None
    pk = None
    username = ""
    email = ""
    is_active = False
    is_staff = False
    is_superuser = False
    is_authenticated: ClassVar[bool] = False
    is_anonymous: ClassVar[bool] = True

    def __str__(self) -> str:
        return "AnonymousUser"

    def __repr__(self) -> str:
        return "<AnonymousUser>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self))

    def __hash__(self) -> int:
        return 1  # every anonymous user is the same one

    def get_username(self) -> str:
        return self.username

    def get_all_permissions(self) -> set[str]:
        return set()

    async def aget_all_permissions(self) -> set[str]:
        return set()

    def has_perm(self, perm: str) -> bool:
        return False

    async def ahas_perm(self, perm: str) -> bool:
        return False

    def has_perms(self, perms: Iterable[str]) -> bool:
        if isinstance(perms, str):
            raise ValueError("perms must be an iterable of permissions, not one string.")
        return not list(perms)

    async def ahas_perms(self, perms: Iterable[str]) -> bool:
        return self.has_perms(perms)

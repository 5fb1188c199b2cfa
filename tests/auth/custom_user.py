"""A user model of an app's own, for the `user_model` tests."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from legato.auth.models import AbstractUser


class Member(AbstractUser):
    __tablename__ = "test_members"

    nickname: Mapped[str] = mapped_column(String(50), default="")

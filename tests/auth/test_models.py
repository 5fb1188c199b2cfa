"""The user model: creating users, passwords, permissions, and a model of the app's own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from legato import App
from legato.auth import AnonymousUser, create_superuser, create_user, get_user_model
from legato.auth.models import (
    Base,
    User,
    grant_permissions,
    normalize_username,
    revoke_permissions,
)
from legato.context import current_app
from legato.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from legato.sync import sync_to_async
from tests.auth.conftest import make_app
from tests.auth.custom_user import Member


@pytest.mark.anyio
async def test_create_user_stores_a_hash_and_normalises(app: App) -> None:
    user = await create_user("\uff41\uff44\uff41", "Ada@EXAMPLE.com", "s3cret-pass")
    assert user.username == "ada"  # NFKC: full-width letters become ASCII
    assert user.email == "Ada@example.com"  # the domain only is lower-cased
    assert user.password.startswith("$argon2id$")
    assert await user.acheck_password("s3cret-pass")
    assert not await user.acheck_password("wrong")
    assert user.is_authenticated
    assert not user.is_anonymous
    assert user.is_active
    assert user.pk == user.id
    assert str(user) == "ada"
    assert user.date_joined is not None
    assert user.last_login is None
    assert app.database is not None
    async with app.database.session() as session:
        assert await session.scalar(select(User.username)) == "ada"


@pytest.mark.anyio
async def test_create_user_without_password_cannot_log_in(app: App) -> None:
    user = await create_user("nopass")
    assert not user.has_usable_password()
    assert not await user.acheck_password("")


@pytest.mark.anyio
async def test_superuser_has_every_permission(app: App) -> None:
    boss = await create_superuser("boss", password="pw")
    assert boss.is_staff
    assert boss.is_superuser
    assert await boss.ahas_perm("anything.at_all")


@pytest.mark.anyio
async def test_permissions_granted_and_revoked(app: App) -> None:
    user = await create_user("ed", password="pw")
    assert not await user.ahas_perm("shop.change_price")
    await grant_permissions(user, "shop.change_price", "shop.view_order")
    await grant_permissions(user, "shop.view_order")  # granted twice: no error
    assert await user.ahas_perms(["shop.change_price", "shop.view_order"])
    assert await user.aget_all_permissions() == {"shop.change_price", "shop.view_order"}
    await revoke_permissions(user, "shop.change_price")
    assert not await user.ahas_perm("shop.change_price")
    user.is_active = False
    assert not await user.ahas_perm("shop.view_order")


@pytest.mark.anyio
async def test_sync_permission_check_refuses_on_the_loop_and_works_in_a_thread(app: App) -> None:
    user = await create_user("sync", password="pw")
    await grant_permissions(user, "a.b")
    with pytest.raises(SynchronousOnlyOperation, match=r"await user\.ahas_perm"):
        user.has_perm("a.b")
    assert await sync_to_async(user.has_perm)("a.b")
    assert user.has_perms(["a.b"])  # cached now: no database, no error


@pytest.mark.anyio
async def test_sync_password_methods_refuse_on_the_loop(app: App) -> None:
    user = await create_user("sync2", password="pw")
    with pytest.raises(SynchronousOnlyOperation, match="acheck_password"):
        user.check_password("pw")
    with pytest.raises(SynchronousOnlyOperation, match="aset_password"):
        user.set_password("pw")
    assert await sync_to_async(user.check_password)("pw")


def test_anonymous_user_has_nothing() -> None:
    anonymous = AnonymousUser()
    assert not anonymous.is_authenticated
    assert anonymous.is_anonymous
    assert anonymous.pk is None
    assert not anonymous.has_perm("a.b")
    assert anonymous == AnonymousUser()
    assert str(anonymous) == "AnonymousUser"


def test_unicode_usernames_normalise_as_django() -> None:
    assert normalize_username("\u2168") == "IX"  # ROMAN NUMERAL NINE
    assert normalize_username("e\u0301") == "\u00e9"  # composed


@pytest.mark.anyio
async def test_user_model_setting_names_the_apps_class() -> None:
    app = make_app(user_model="tests.auth.custom_user.Member")
    assert get_user_model(app) is Member
    assert app.database is not None
    await app.database.create_all(Base.metadata)
    token = current_app.set(app)
    try:
        member = await create_user("mia", password="pw", nickname="M")
        assert isinstance(member, Member)
        assert member.nickname == "M"
    finally:
        current_app.reset(token)
        await app.database.dispose()


def test_user_model_that_cannot_be_imported_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        get_user_model(make_app(user_model="tests.auth.nowhere.Nobody"))
    with pytest.raises(ImproperlyConfigured, match="not a mapped SQLAlchemy class"):
        get_user_model(make_app(user_model="tests.auth.conftest.make_app"))

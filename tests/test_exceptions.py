"""The exceptions keep Django's names and hierarchy, and each answers with its one status."""

from __future__ import annotations

import pytest

from legato import App, exceptions
from legato.http import HttpRequest, HttpResponse
from legato.urls import path
from tests.parity import ServeBoth

DJANGO_NAMES = [
    "ImproperlyConfigured",
    "MiddlewareNotUsed",
    "PermissionDenied",
    "BadRequest",
    "SuspiciousOperation",
    "DisallowedHost",
    "TooManyFieldsSent",
    "TooManyFilesSent",
    "RequestDataTooBig",
    "SynchronousOnlyOperation",
    "DisallowedRedirect",
]


@pytest.mark.parametrize("name", DJANGO_NAMES)
def test_each_django_exception_has_djangos_base_classes(name: str) -> None:
    django = pytest.importorskip("django.core.exceptions")
    ours, theirs = getattr(exceptions, name), getattr(django, name)
    assert [base.__name__ for base in ours.__mro__] == [base.__name__ for base in theirs.__mro__]


def test_legatos_own_exceptions_are_caught_where_a_django_user_would_look() -> None:
    assert issubclass(exceptions.TooManyPartsSent, exceptions.SuspiciousOperation)
    assert issubclass(exceptions.RequestBodyTimeout, exceptions.BadRequest)
    assert not issubclass(exceptions.RequestTimeout, exceptions.BadRequest)


@pytest.mark.parametrize(
    ("exception", "status"),
    [
        (exceptions.DisallowedHost("evil.example"), 400),
        (exceptions.TooManyFieldsSent("fields"), 400),
        (exceptions.TooManyPartsSent("parts"), 400),
        (exceptions.DisallowedRedirect("javascript:"), 400),
        (exceptions.RequestDataTooBig("big"), 413),
        (exceptions.RequestBodyTimeout("slow"), 408),
        (exceptions.RequestTimeout("late"), 504),
    ],
)
def test_a_view_raising_it_gets_its_status(
    both: ServeBoth, exception: Exception, status: int
) -> None:
    async def view(request: HttpRequest) -> HttpResponse:
        raise exception

    assert both(lambda: App([path("", view)])).get("/").status == status


def test_every_name_is_exported() -> None:
    defined = {
        name
        for name, value in vars(exceptions).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert defined == set(exceptions.__all__)

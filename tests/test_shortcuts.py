"""redirect() and resolve_url(): Django's rules for what a view may send a browser to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from legato.exceptions import ImproperlyConfigured
from legato.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from legato.shortcuts import redirect, resolve_url
from legato.urls import NoReverseMatch, Resolver, path, reverse_lazy, set_script_prefix
from legato.urls.reverse import current_resolver, current_script_prefix, set_current_resolver


def article(request: object, pk: int) -> None:
    return None


def index(request: object) -> None:
    return None


def unrouted(request: object) -> None:
    return None


class Article:
    def get_absolute_url(self) -> str:
        return "/articles/7/"


@pytest.fixture
def in_request() -> Iterator[None]:
    """What a request being served sets: its URL table (the script prefix stays "/")."""
    resolver = Resolver(
        [path("", index, name="index"), path("articles/<int:pk>/", article, name="article")]
    )
    token = set_current_resolver(resolver)
    yield
    current_resolver.reset(token)


@pytest.mark.usefixtures("in_request")
@pytest.mark.parametrize(
    ("to", "args", "kwargs", "url"),
    [
        (Article(), (), {}, "/articles/7/"),
        ("article", (3,), {}, "/articles/3/"),
        ("article", (), {"pk": 4}, "/articles/4/"),
        (article, (5,), {}, "/articles/5/"),
        ("index", (), {}, "/"),
        ("/some/url/", (), {}, "/some/url/"),
        ("http://example.com/", (), {}, "http://example.com/"),
        ("https://example.com/a?b=c", (), {}, "https://example.com/a?b=c"),
        ("example.com", (), {}, "example.com"),
        ("./relative/", (), {}, "./relative/"),
        ("../up/", (), {}, "../up/"),
    ],
)
def test_resolve_url(to: Any, args: tuple[Any, ...], kwargs: dict[str, Any], url: str) -> None:
    assert resolve_url(to, *args, **kwargs) == url


@pytest.mark.usefixtures("in_request")
def test_resolve_url_of_a_lazy_url_is_its_text() -> None:
    assert resolve_url(reverse_lazy("article", args=[9])) == "/articles/9/"


@pytest.mark.usefixtures("in_request")
def test_resolve_url_of_an_unknown_name_or_view_raises() -> None:
    with pytest.raises(NoReverseMatch, match="'missing' not found"):
        resolve_url("missing")
    with pytest.raises(NoReverseMatch, match="unrouted"):
        resolve_url(unrouted)
    with pytest.raises(NoReverseMatch, match="1 pattern"):
        resolve_url("article")  # a route name, with its argument missing


@pytest.mark.usefixtures("in_request")
def test_resolve_url_includes_the_script_prefix() -> None:
    token = set_script_prefix("/shop")
    try:
        assert resolve_url("article", 3) == "/shop/articles/3/"
        assert resolve_url("/some/url/") == "/some/url/"  # a URL is kept as it is
    finally:
        current_script_prefix.reset(token)


def test_resolve_url_outside_a_request_keeps_urls_and_asks_for_a_table_for_names() -> None:
    assert resolve_url("/some/url/") == "/some/url/"
    assert resolve_url("https://example.com/") == "https://example.com/"
    with pytest.raises(ImproperlyConfigured, match="urlconf"):
        resolve_url("article", 3)


@pytest.mark.usefixtures("in_request")
@pytest.mark.parametrize(
    ("options", "response_class", "status"),
    [
        ({}, HttpResponseRedirect, 302),
        ({"permanent": True}, HttpResponsePermanentRedirect, 301),
        ({"preserve_request": True}, HttpResponseRedirect, 307),
        ({"permanent": True, "preserve_request": True}, HttpResponsePermanentRedirect, 308),
    ],
)
def test_redirect_status(options: dict[str, bool], response_class: type, status: int) -> None:
    response = redirect("article", 2, **options)
    assert type(response) is response_class
    assert (response.status_code, response["Location"]) == (status, "/articles/2/")


@pytest.mark.usefixtures("in_request")
def test_redirect_takes_what_resolve_url_takes() -> None:
    assert redirect(Article())["Location"] == "/articles/7/"
    assert redirect("article", pk=6)["Location"] == "/articles/6/"
    assert redirect(article, 1)["Location"] == "/articles/1/"
    assert redirect("https://example.com/x")["Location"] == "https://example.com/x"
    assert redirect("../up/")["Location"] == "../up/"

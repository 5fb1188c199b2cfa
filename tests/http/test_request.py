from __future__ import annotations

from typing import Any

import pytest

from legato.exceptions import TooManyFieldsSent
from legato.http.body import RequestLimits
from legato.http.hosts import AllowedHosts
from legato.http.request import HttpRequest


def scope(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", b"example.com")],
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("10.0.0.1", 51234),
    }
    base.update(overrides)
    return base


def test_request_without_arguments_is_a_get_to_root() -> None:
    request = HttpRequest()
    assert request.method == "GET"
    assert request.path == request.path_info == "/"
    assert request.GET == {}
    assert request.POST == {}
    assert request.FILES == {}
    assert request.body == b""
    assert request.get_host() == "testserver"
    assert request.build_absolute_uri() == "http://testserver/"
    assert request.resolver_match is None


def test_repr_shows_method_and_full_path() -> None:
    request = HttpRequest(scope(path="/search/", query_string=b"q=1"))
    assert repr(request) == "<HttpRequest: GET '/search/?q=1'>"


def test_method_path_and_scope_come_from_the_scope() -> None:
    raw = scope(method="POST", path="/a/b/")
    request = HttpRequest(raw)
    assert request.method == "POST"
    assert request.path == "/a/b/"
    assert request.path_info == "/a/b/"
    assert request.scope is raw


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/app/users/", "/app", ("/app", "/app/users/", "/users/")),
        ("/app", "/app", ("/app", "/app", "/")),
        ("/app/users/", "/app/", ("/app", "/app/users/", "/users/")),
        ("/app//users/", "/app/", ("/app", "/app/users/", "/users/")),
        ("/users/", "/app", ("/app", "/app/users/", "/users/")),
        ("/application/", "/app", ("/app", "/app/application/", "/application/")),
        ("/users/", "", ("", "/users/", "/users/")),
    ],
)
def test_root_path_splits_into_script_name_and_path_info(
    path: str, root_path: str, expected: tuple[str, str, str]
) -> None:
    request = HttpRequest(scope(path=path, root_path=root_path))
    assert (request.script_name, request.path, request.path_info) == expected
    assert request.META["SCRIPT_NAME"] == expected[0]
    assert request.META["PATH_INFO"] == expected[2]


def test_get_is_parsed_lazily_and_immutable() -> None:
    request = HttpRequest(scope(query_string=b"a=1&a=2&b=%C3%A9"))
    assert "GET" not in request.__dict__
    assert request.GET.getlist("a") == ["1", "2"]
    assert request.GET["b"] == "é"
    assert request.GET is request.GET
    with pytest.raises(AttributeError, match="immutable"):
        request.GET["c"] = "3"


def test_bad_query_strings_do_not_raise() -> None:
    request = HttpRequest(scope(query_string=b"a=%zz&b=%ff&c=\xff&&=&d"))
    assert request.GET["a"] == "%zz"
    assert request.GET["b"] == "\ufffd"
    assert request.GET["c"] == "\ufffd"
    assert request.GET["d"] == ""


def test_get_with_too_many_fields_raises() -> None:
    limits = RequestLimits(data_upload_max_number_fields=2)
    request = HttpRequest(scope(query_string=b"a=1&b=2&c=3"), limits=limits)
    with pytest.raises(TooManyFieldsSent):
        _ = request.GET


def test_scheme_and_is_secure() -> None:
    assert not HttpRequest(scope()).is_secure()
    secure = HttpRequest(scope(scheme="https"))
    assert secure.scheme == "https"
    assert secure.is_secure()


def test_get_full_path_escapes_path_and_keeps_query() -> None:
    request = HttpRequest(scope(path="/caf é/%/", query_string=b"q=a%20b&x=\xe9"))
    assert request.get_full_path() == "/caf%20%C3%A9/%25/?q=a%20b&x=%E9"
    assert HttpRequest(scope(path="/a")).get_full_path(force_append_slash=True) == "/a/"


def test_get_full_path_info_omits_script_name() -> None:
    request = HttpRequest(scope(path="/app/x", root_path="/app", query_string=b"a=1"))
    assert request.get_full_path() == "/app/x?a=1"
    assert request.get_full_path_info() == "/x?a=1"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (None, "http://example.com/dir/page?q=1"),
        ("/other/", "http://example.com/other/"),
        ("sibling", "http://example.com/dir/sibling"),
        ("../up", "http://example.com/up"),
        ("/a/../b", "http://example.com/b"),
        ("?page=2", "http://example.com/dir/page?page=2"),
        ("https://elsewhere.org/x", "https://elsewhere.org/x"),
        ("//cdn.example.org/x", "http://cdn.example.org/x"),
        ("/é", "http://example.com/%C3%A9"),
    ],
)
def test_build_absolute_uri(location: str | None, expected: str) -> None:
    request = HttpRequest(scope(path="/dir/page", query_string=b"q=1"))
    assert request.build_absolute_uri(location) == expected


def test_request_id_uses_sane_header_or_a_new_uuid() -> None:
    given = HttpRequest(scope(headers=[(b"x-request-id", b"abc-123_DEF.4")]))
    assert given.id == "abc-123_DEF.4"
    for bad in (b"has space", b"x" * 201, b"new\nline", b""):
        request = HttpRequest(scope(headers=[(b"x-request-id", bad)]))
        assert len(request.id) == 32
        assert request.id != bad.decode()
        assert request.id == request.id
    assert HttpRequest(scope()).id != HttpRequest(scope()).id


def test_state_is_a_per_request_namespace() -> None:
    request = HttpRequest(scope())
    request.state.user_id = 7
    assert request.state.user_id == 7
    assert not hasattr(HttpRequest(scope()).state, "user_id")


def test_lazy_attributes_can_be_assigned_like_django_attributes() -> None:
    request = HttpRequest(scope())
    request.COOKIES = {"a": "b"}
    assert request.COOKIES == {"a": "b"}
    request.resolver_match = "match"
    assert request.resolver_match == "match"


def test_a_host_given_by_the_server_adapter_is_returned_unchecked() -> None:
    allowed = AllowedHosts(["example.com"])
    request = HttpRequest(
        scope(headers=[(b"host", b"example.com:8000")]), allowed_hosts=allowed, host="checked"
    )
    assert request.get_host() == "checked"
    assert HttpRequest(scope(), allowed_hosts=allowed).get_host() == "example.com"


def test_an_encoding_given_at_construction_is_used_instead_of_content_type() -> None:
    latin1 = [(b"content-type", b"text/plain; charset=latin-1")]
    request = HttpRequest(scope(headers=latin1, query_string=b"q=%E9"), encoding=None)
    assert request.encoding is None
    assert request.GET["q"] == "\ufffd"  # decoded as UTF-8, as told
    assert HttpRequest(scope(headers=latin1, query_string=b"q=%E9")).GET["q"] == "\xe9"
    assert HttpRequest(scope(), encoding="latin-1").encoding == "latin-1"


def test_an_encoding_that_cannot_decode_text_is_refused_at_construction() -> None:
    with pytest.raises(LookupError):
        HttpRequest(scope(), encoding="base64")

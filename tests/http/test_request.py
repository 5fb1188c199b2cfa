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


def test_request_without_arguments_is_djangos_empty_request() -> None:
    request = HttpRequest()
    assert request.method is None
    assert request.path == request.path_info == ""
    assert request.META == {}
    assert request.GET == request.POST == request.COOKIES == request.FILES == {}
    assert request.body == b""
    assert request.resolver_match is None
    assert request.urlconf is None
    assert list(request.headers) == []
    assert repr(request) == "<HttpRequest>"


def test_empty_request_is_filled_in_by_hand_as_in_django() -> None:
    request = HttpRequest()
    request.GET["q"] = "1"  # mutable, as Django's
    request.POST.appendlist("a", "2")
    request.method = "GET"
    request.path = "/search/"
    request.META["QUERY_STRING"] = "q=1"
    request.META["SERVER_NAME"] = "testserver"
    request.META["SERVER_PORT"] = "80"
    assert (request.GET["q"], request.POST["a"]) == ("1", "2")
    assert request.build_absolute_uri() == "http://testserver/search/?q=1"
    assert repr(request) == "<HttpRequest: GET '/search/?q=1'>"


def test_empty_request_without_server_name_has_no_host_as_in_django() -> None:
    with pytest.raises(KeyError):
        HttpRequest().get_host()
    with pytest.raises(KeyError):
        HttpRequest().get_port()


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


def test_build_absolute_uri_takes_a_lazy_location() -> None:
    class Lazy:
        def __str__(self) -> str:
            return "/other/"

    request = HttpRequest(scope(path="/dir/page"))
    assert request.build_absolute_uri(Lazy()) == "http://example.com/other/"


def test_build_absolute_uri_takes_reverse_lazy() -> None:
    from legato.urls import path, reverse_lazy

    async def view(request: HttpRequest) -> None: ...

    lazy = reverse_lazy("target", urlconf=[path("t/<int:pk>/", view, name="target")], args=[3])
    request = HttpRequest(scope(path="/dir/page"))
    assert request.build_absolute_uri(lazy) == "http://example.com/t/3/"


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


def accepting(accept: str | None) -> HttpRequest:
    headers = [] if accept is None else [(b"accept", accept.encode("latin-1"))]
    return HttpRequest(scope(headers=headers))


def test_no_accept_header_accepts_anything() -> None:
    request = accepting(None)
    assert [str(media_type) for media_type in request.accepted_types] == ["*/*"]
    assert request.accepts("application/json")
    assert request.get_preferred_type([]) is None
    assert request.get_preferred_type(["application/json", "text/plain"]) == "application/json"


def test_an_empty_accept_header_accepts_nothing() -> None:
    request = accepting("")
    assert request.accepted_types == []
    assert not request.accepts("application/json")
    assert request.get_preferred_type(["application/json", "text/plain"]) is None


def test_accepts_some_types() -> None:
    request = accepting("text/html,application/xhtml+xml,application/xml;q=0.9")
    assert request.accepts("text/html")
    assert request.accepts("application/xml")
    assert not request.accepts("application/json")


@pytest.mark.parametrize(
    ("offered", "preferred"),
    [
        (["text/html", "application/xml"], "text/html"),
        (["application/xml", "application/json"], "application/xml"),
        (["application/json"], "application/json"),
        (["application/json", "text/plain"], "text/plain"),
    ],
)
def test_preferred_type_follows_quality(offered: list[str], preferred: str) -> None:
    request = accepting("text/html,application/xml;q=0.9,*/*;q=0.1,text/*;q=0.5")
    assert request.get_preferred_type(offered) == preferred


def test_preferred_type_with_parameters() -> None:
    request = accepting("text/vcard; version=3.0, text/html;q=0.5")
    assert (
        request.get_preferred_type(
            ["text/vcard; version=4.0", "text/vcard; version=3.0", "text/vcard", "text/directory"]
        )
        == "text/vcard; version=3.0"
    )
    assert request.get_preferred_type(["text/vcard; version=4.0", "text/vcard"]) is None
    assert request.get_preferred_type(["text/vcard; version=4.0", "text/html"]) == "text/html"


def test_preferred_type_rfc_7231_example() -> None:
    request = accepting(
        "text/*;q=0.3,text/html;q=0.7,text/html;level=1,text/html;level=2;q=0.4,*/*;q=0.5"
    )
    for media_type, quality in [
        ("text/html;level=1", 1),
        ("text/html", 0.7),
        ("text/plain", 0.3),
        ("image/jpeg", 0.5),
        ("text/html;level=2", 0.4),
        ("text/html;level=3", 0.7),
    ]:
        accepted = request.accepted_type(media_type)
        assert accepted is not None, media_type
        assert accepted.quality == quality, media_type
    assert request.get_preferred_type(["text/html", "text/html; level=1"]) == "text/html; level=1"
    assert request.get_preferred_type(["text/html; level=2", "text/html; level=3"]) == (
        "text/html; level=3"
    )


def test_equal_quality_prefers_the_more_specific_range() -> None:
    request = accepting("text/*,image/jpeg")
    assert request.get_preferred_type(["text/plain", "image/jpeg"]) == "image/jpeg"
    assert [str(t) for t in accepting("text/*;q=0.8,text/html;q=0.8").accepted_types] == [
        "text/html; q=0.8",
        "text/*; q=0.8",
    ]


def test_accepted_types_read_an_assigned_meta() -> None:
    request = HttpRequest()
    request.META["HTTP_ACCEPT"] = "text/plain;q=0.5,text/html"
    assert request.get_preferred_type(["text/html", "text/plain"]) == "text/html"
    assert request.accepted_type("text/plain").quality == 0.5  # type: ignore[union-attr]


def test_lazy_attributes_are_made_on_first_use_and_kept() -> None:
    from legato import App
    from legato.context import current_app

    app = App()
    made: list[object] = []

    def visitor(request: HttpRequest) -> str:
        made.append(request)
        return "ada"

    app.request_attributes["visitor"] = visitor
    request = HttpRequest({"type": "http", "method": "GET", "path": "/", "headers": []})
    token = current_app.set(app)
    try:
        assert "visitor" not in vars(request)
        assert request.visitor == "ada"  # type: ignore[attr-defined]
        assert request.visitor == "ada"  # type: ignore[attr-defined]
        assert made == [request]
        with pytest.raises(AttributeError, match="'HttpRequest' object has no attribute 'vistor'"):
            request.vistor  # type: ignore[attr-defined]  # noqa: B018
        assert getattr(request, "vistor", None) is None
    finally:
        current_app.reset(token)
    # Outside any app, nothing is provided.
    with pytest.raises(AttributeError):
        HttpRequest().visitor  # type: ignore[attr-defined]  # noqa: B018

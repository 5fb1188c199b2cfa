"""What a request reports about itself: META, cookies, content type, host and port."""

from __future__ import annotations

from typing import Any

import pytest

from legato.exceptions import DisallowedHost
from legato.http.charsets import UnsupportedCharset
from legato.http.hosts import AllowedHosts
from legato.http.request import HttpRequest


def request_with(
    headers: list[tuple[bytes, bytes]] | None = None,
    allowed: list[str] | None = None,
    **overrides: Any,
) -> HttpRequest:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/p",
        "query_string": b"a=1",
        "headers": headers if headers is not None else [],
        "scheme": "http",
        "http_version": "1.1",
        "server": ("10.1.1.1", 8000),
        "client": ("192.0.2.9", 4444),
    }
    scope.update(overrides)
    return HttpRequest(scope, allowed_hosts=None if allowed is None else AllowedHosts(allowed))


def test_header_names_with_underscores_are_dropped() -> None:
    request = request_with([(b"x_forwarded_for", b"6.6.6.6"), (b"x-forwarded-for", b"1.2.3.4")])
    assert request.headers["x_forwarded_for"] == "1.2.3.4"
    assert list(request.headers) == ["X-Forwarded-For"]
    assert request.META["HTTP_X_FORWARDED_FOR"] == "1.2.3.4"


def test_meta_has_cgi_variables() -> None:
    request = request_with(
        [
            (b"host", b"example.com"),
            (b"content-type", b"application/json"),
            (b"content-length", b"2"),
            (b"accept", b"a"),
            (b"accept", b"b"),
            (b"cookie", b"x=1"),
            (b"cookie", b"y=2"),
        ],
        method="POST",
        root_path="",
    )
    assert request.META == {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/p",
        "QUERY_STRING": "a=1",
        "SERVER_NAME": "10.1.1.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.9",
        "REMOTE_HOST": "192.0.2.9",
        "REMOTE_PORT": "4444",
        "HTTP_HOST": "example.com",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2",
        "HTTP_ACCEPT": "a,b",
        "HTTP_COOKIE": "x=1; y=2",
    }


def test_meta_without_client_or_server() -> None:
    request = request_with(client=None, server=None)
    assert "REMOTE_ADDR" not in request.META
    assert request.META["SERVER_NAME"] == "unknown"
    assert request.META["SERVER_PORT"] == "0"


def test_cookies_are_parsed_from_all_cookie_headers() -> None:
    request = request_with([(b"cookie", b"a=1; b=2"), (b"cookie", b'c="x y"')])
    assert request.COOKIES == {"a": "1", "b": "2", "c": "x y"}
    assert request_with().COOKIES == {}


def test_content_type_params_and_encoding() -> None:
    request = request_with([(b"content-type", b'Text/HTML; Charset="ISO-8859-1"')])
    assert request.content_type == "text/html"
    assert request.content_params == {"charset": "ISO-8859-1"}
    assert request.encoding == "ISO-8859-1"
    assert request_with().content_type == ""
    assert request_with().encoding is None


def test_unknown_charset_leaves_encoding_unset() -> None:
    request = request_with([(b"content-type", b"text/plain; charset=klingon")])
    assert request.encoding is None


@pytest.mark.parametrize("charset", [b"base64", b"idna", b"punycode", b"rot13", b"undefined"])
def test_codec_that_cannot_decode_text_is_a_bad_request(charset: bytes) -> None:
    request = request_with([(b"content-type", b"text/plain; charset=" + charset)])
    with pytest.raises(UnsupportedCharset, match="cannot decode text"):
        request.GET  # noqa: B018 - reading it is the test


def test_setting_an_unusable_encoding_fails_at_once() -> None:
    request = request_with()
    with pytest.raises(LookupError, match="'idna' is not a charset"):
        request.encoding = "idna"
    with pytest.raises(LookupError, match="'klingon' is not a charset"):
        request.encoding = "klingon"


def test_setting_encoding_decodes_get_again() -> None:
    request = request_with(query_string=b"q=%E9")
    assert request.GET["q"] == "\ufffd"
    request.encoding = "latin-1"
    assert request.GET["q"] == "é"


def test_get_host_uses_host_header() -> None:
    assert request_with([(b"host", b"Example.com:8080")]).get_host() == "Example.com:8080"


@pytest.mark.parametrize(
    ("scheme", "server", "expected"),
    [
        ("http", ("example.com", 80), "example.com"),
        ("http", ("example.com", 8000), "example.com:8000"),
        ("https", ("example.com", 443), "example.com"),
        ("https", ("example.com", 80), "example.com:80"),
        ("http", ("::1", 8000), "[::1]:8000"),
    ],
)
def test_get_host_falls_back_to_server_name_and_port(
    scheme: str, server: tuple[str, int], expected: str
) -> None:
    assert request_with(scheme=scheme, server=server).get_host() == expected


def test_get_host_checks_allowed_hosts() -> None:
    allowed = [".example.com", "[::1]"]
    assert request_with([(b"host", b"www.example.com")], allowed).get_host() == "www.example.com"
    assert request_with([(b"host", b"[::1]:8000")], allowed).get_host() == "[::1]:8000"
    with pytest.raises(DisallowedHost) as info:
        request_with([(b"host", b"evil.org:80")], allowed).get_host()
    assert str(info.value) == (
        "Invalid HTTP_HOST header: 'evil.org:80'. You may need to add 'evil.org' to allowed_hosts."
    )


def test_get_host_rejects_malformed_host_even_without_allowed_hosts() -> None:
    for bad in (b"exa mple.com", b"evil.com\r\nx: y", b"", b"a.com:80:80"):
        with pytest.raises(DisallowedHost, match="not valid according to RFC 1034/1035"):
            request_with([(b"host", bad)]).get_host()


def test_empty_allowed_hosts_refuses_every_host() -> None:
    with pytest.raises(DisallowedHost):
        request_with([(b"host", b"localhost")], []).get_host()


def test_get_host_result_is_cached() -> None:
    request = request_with([(b"host", b"a.example.com")], ["a.example.com"])
    assert request.get_host() == "a.example.com"
    request.allowed_hosts = AllowedHosts([])
    assert request.get_host() == "a.example.com"


def test_assigned_meta_drives_host_and_port_as_in_django() -> None:
    request = HttpRequest()
    request.META = {"SERVER_NAME": "internal.com", "SERVER_PORT": "8042"}
    assert request.get_host() == "internal.com:8042"
    assert request.get_port() == "8042"
    other = HttpRequest()
    other.META["HTTP_HOST"] = "forwarded.com"
    assert other.get_host() == "forwarded.com"


def test_get_port_reads_server_port() -> None:
    assert request_with().get_port() == "8000"
    assert request_with(server=("sock", None)).get_port() == "0"


def test_assigned_meta_drives_headers_cookies_and_content_type() -> None:
    request = request_with([(b"user-agent", b"from-scope"), (b"cookie", b"a=scope")])
    request.META = {
        "HTTP_USER_AGENT": "from-meta",
        "HTTP_COOKIE": "a=meta",
        "CONTENT_TYPE": "text/plain; charset=latin-1",
        "SERVER_NAME": "x",
        "SERVER_PORT": "1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    assert request.headers["User-Agent"] == "from-meta"
    assert dict(request.headers) == {
        "User-Agent": "from-meta",
        "Cookie": "a=meta",
        "Content-Type": "text/plain; charset=latin-1",
    }
    assert request.COOKIES == {"a": "meta"}
    assert request.content_type == "text/plain"
    assert request.encoding == "latin-1"


def test_assigned_meta_drives_the_query_string_and_port() -> None:
    request = request_with(query_string=b"from=scope")
    request.META = {"QUERY_STRING": "from=meta&é=1", "SERVER_NAME": "s", "SERVER_PORT": 8042}
    assert request.get_full_path() == "/p?from=meta&%C3%A9=1"
    assert request.GET.dict() == {"from": "meta", "é": "1"}
    assert request.get_port() == "8042"
    assert request.get_host() == "s:8042"


def test_a_built_meta_reads_as_the_scope_does() -> None:
    request = request_with([(b"host", b"example.com")], query_string=b"x=\xe9")
    meta = request.META
    assert meta["QUERY_STRING"] == "x=\xe9"
    assert request.get_full_path() == "/p?x=%E9"  # the raw byte, not its UTF-8 re-encoding
    assert request.headers["host"] == "example.com"
    meta["HTTP_HOST"] = "changed.example"  # META is the source once it exists, as in Django
    assert request.get_host() == "changed.example"


def test_assigning_meta_drops_what_was_read_from_the_scope() -> None:
    allowed = AllowedHosts(["a.example", "b.example"])
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"q=scope",
        "headers": [(b"host", b"a.example"), (b"cookie", b"c=scope")],
    }
    # As the ASGI adapter builds it: the host checked already, no Content-Type seen.
    request = HttpRequest(scope, allowed_hosts=allowed, host="a.example", encoding=None)
    assert (request.GET["q"], request.COOKIES["c"], request.headers["host"]) == (
        "scope",
        "scope",
        "a.example",
    )
    request.META = {
        "HTTP_HOST": "b.example",
        "HTTP_COOKIE": "c=meta",
        "QUERY_STRING": "q=meta",
        "CONTENT_TYPE": "text/plain; charset=latin-1",
    }
    assert (request.GET["q"], request.COOKIES["c"], request.headers["host"]) == (
        "meta",
        "meta",
        "b.example",
    )
    assert request.get_host() == "b.example"
    assert request.encoding == "latin-1"
    request.META = {"HTTP_HOST": "evil.example"}
    with pytest.raises(DisallowedHost):
        request.get_host()  # checked again, not the value checked before

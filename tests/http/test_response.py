"""Tests for in-memory responses: headers, content, cookies, redirects, status classes."""

from __future__ import annotations

import datetime
import email.utils
import string
import time
from http.cookies import CookieError
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import DisallowedRedirect, SuspiciousOperation
from legato.http.response import (
    MAX_URL_REDIRECT_LENGTH,
    BadHeaderError,
    DefaultHeaders,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseGone,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    HttpResponseServerError,
    ResponseHeaders,
)

TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
INJECTIONS = ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b", "a\x0bb", "a\x7fb"]


def wire(response: HttpResponseBase) -> dict[bytes, list[bytes]]:
    sent: dict[bytes, list[bytes]] = {}
    for name, value in response.asgi_headers():
        sent.setdefault(name, []).append(value)
    return sent


# ---------------------------------------------------------------- ResponseHeaders


def test_headers_lookup_ignores_case() -> None:
    headers = ResponseHeaders({"X-Custom": "1"})
    assert headers["x-custom"] == "1"
    assert headers["X-CUSTOM"] == "1"
    assert "x-CuStOm" in headers
    assert headers.get("X-CUSTOM") == "1"


def test_headers_keep_case_first_given() -> None:
    headers = ResponseHeaders()
    headers["X-Request-Id"] = "1"
    headers["x-request-id"] = "2"
    assert list(headers) == ["X-Request-Id"]
    assert dict(headers.items()) == {"X-Request-Id": "2"}


def test_headers_behave_like_a_dict() -> None:
    headers = ResponseHeaders([("A", "1"), ("B", "2")])
    assert len(headers) == 2
    assert headers.setdefault("a", "9") == "1"
    assert headers.setdefault("C", 3) == "3"
    assert headers.pop("b") == "2"
    assert headers.pop("missing", None) is None
    del headers["A"]
    assert list(headers.items()) == [("C", "3")]
    assert headers.get("missing", "default") == "default"
    assert "missing" not in headers
    assert 42 not in headers  # type: ignore[comparison-overlap]
    with pytest.raises(KeyError):
        headers["missing"]
    del headers["missing"]  # nothing to delete: nothing happens, as in Django


def test_headers_accept_bytes_and_ints() -> None:
    headers = ResponseHeaders()
    headers["X-Bytes"] = b"caf\xe9"
    headers["X-Int"] = 42
    headers[b"X-Name"] = "v"  # type: ignore[index]
    assert headers["X-Bytes"] == "café"
    assert headers["X-Int"] == "42"
    assert headers["x-name"] == "v"


def test_headers_mime_encode_non_latin1_text() -> None:
    headers = ResponseHeaders()
    headers["X-Snowman"] = "☃"
    assert headers["X-Snowman"] == "=?utf-8?b?4piD?="
    headers["X-Latin"] = "café"
    assert headers["X-Latin"] == "café"


@pytest.mark.parametrize("value", INJECTIONS)
def test_headers_reject_control_characters_in_value(value: str) -> None:
    headers = ResponseHeaders()
    with pytest.raises(BadHeaderError, match="X-Evil"):
        headers["X-Evil"] = value
    with pytest.raises(BadHeaderError, match="X-Evil"):
        headers["X-Evil"] = value.encode("latin-1")
    assert "X-Evil" not in headers


def test_headers_allow_tab_in_value() -> None:
    headers = ResponseHeaders({"X-Tab": "a\tb"})
    assert headers["X-Tab"] == "a\tb"


@pytest.mark.parametrize(
    "name", ["X Evil", "X-Evil:", "X\r\nEvil", "X\x00", "", "Ünicode", "X(1)", "a/b"]
)
def test_headers_reject_names_that_are_not_tokens(name: str) -> None:
    with pytest.raises(BadHeaderError, match="not an HTTP token"):
        ResponseHeaders({name: "v"})


def test_headers_reject_non_string_names() -> None:
    with pytest.raises(TypeError, match="must be str"):
        ResponseHeaders({1: "v"})  # type: ignore[arg-type]


@given(name=st.text(alphabet=TOKEN_CHARS, min_size=1), value=st.text(max_size=20))
def test_headers_lookups_are_case_insensitive_for_any_token(name: str, value: str) -> None:
    headers = ResponseHeaders()
    try:
        headers[name] = value
    except BadHeaderError:
        return
    for variant in (name.lower(), name.upper(), name.swapcase()):
        assert variant in headers
        assert headers[variant] == headers[name]
    headers[name.swapcase()] = "second"
    assert list(headers) == [name]
    assert headers[name] == "second"


@given(value=st.one_of(st.text(), st.binary()))
def test_headers_never_emit_line_breaks_for_any_value(value: str | bytes) -> None:
    response = HttpResponse()
    try:
        response["X-Any"] = value
    except BadHeaderError:
        return
    for name, raw in response.asgi_headers():
        assert b"\r" not in raw
        assert b"\n" not in raw
        assert b"\x00" not in raw
        raw.decode("latin-1")  # always latin-1 on the wire
        assert name == name.lower()


@given(name=st.text(max_size=12))
def test_headers_names_are_tokens_or_rejected(name: str) -> None:
    headers = ResponseHeaders()
    try:
        headers[name] = "v"
    except BadHeaderError:
        return
    assert name
    assert all(char in TOKEN_CHARS for char in name)


def test_headers_deleting_an_absent_header_does_nothing() -> None:
    # As Django: middleware removes headers without checking for them first.
    response = HttpResponse("hello")
    response.headers["X-Foo"] = "foo"
    del response.headers["X-Foo"]
    del response.headers["X-Foo"]
    del response["X-Absent"]
    assert "X-Foo" not in response.headers
    assert list(response.headers) == ["Content-Type", "Content-Length"]
    with pytest.raises(KeyError):
        response.headers.pop("X-Foo")


def test_headers_deleting_an_absent_header_keeps_what_is_sent() -> None:
    response = HttpResponse(b"ok")
    before = response.asgi_headers()
    del response.headers["X-Absent"]
    assert response.asgi_headers() == before


# ---------------------------------------------------------------- HttpResponse basics


def test_response_defaults_to_html_utf8_and_content_length() -> None:
    response = HttpResponse("Hello")
    assert response.status_code == 200
    assert response.reason_phrase == "OK"
    assert response.charset == "utf-8"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Length"] == "5"
    assert response.content == b"Hello"
    assert response.asgi_headers() == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", b"5"),
    ]
    assert not response.streaming


def test_response_asgi_headers_are_lowercase_latin1_bytes() -> None:
    response = HttpResponse(headers={"X-Frame-Options": "DENY", "X-Latin": "café"})
    assert wire(response)[b"x-frame-options"] == [b"DENY"]
    assert wire(response)[b"x-latin"] == ["café".encode("latin-1")]


def test_response_wsgi_headers_keep_names_and_add_cookies() -> None:
    response = HttpResponse("x", headers={"X-Custom": "1"})
    response.set_cookie("session", "abc")
    headers = response.wsgi_headers()
    assert ("X-Custom", "1") in headers
    assert ("Content-Length", "1") in headers
    assert any(name == "Set-Cookie" and value.startswith("session=abc") for name, value in headers)


def test_response_repr_names_class_status_and_type() -> None:
    assert repr(HttpResponse(status=201)) == (
        '<HttpResponse status_code=201, "text/html; charset=utf-8">'
    )


def test_response_content_type_argument_sets_header() -> None:
    response = HttpResponse("{}", content_type="application/json")
    assert response["Content-Type"] == "application/json"
    response = HttpResponse("x", content_type="text/csv")
    assert wire(response)[b"content-type"] == [b"text/csv"]


def test_response_content_type_in_both_places_is_an_error() -> None:
    with pytest.raises(ValueError, match="must not contain 'Content-Type'"):
        HttpResponse(content_type="text/plain", headers={"content-type": "text/csv"})


def test_response_content_type_from_headers_argument() -> None:
    response = HttpResponse("x", headers={"Content-Type": "text/plain; charset=latin-1"})
    assert response["Content-Type"] == "text/plain; charset=latin-1"
    assert response.charset == "latin-1"


def test_response_charset_argument_encodes_content() -> None:
    response = HttpResponse("café", charset="latin-1")
    assert response["Content-Type"] == "text/html; charset=latin-1"
    assert response.content == "café".encode("latin-1")
    assert response.text == "café"


def test_response_charset_read_from_content_type() -> None:
    response = HttpResponse("café", content_type='text/plain; charset="ISO-8859-1"')
    assert response.charset == "ISO-8859-1"
    assert response.content == b"caf\xe9"


def test_response_charset_setter_changes_encoding() -> None:
    response = HttpResponse()
    response.charset = "utf-16"
    response.content = "a"
    assert response.content == "a".encode("utf-16")


def test_response_headers_argument_sets_headers() -> None:
    response = HttpResponse(headers={"X-A": "1", "Cache-Control": "no-store"})
    assert response["x-a"] == "1"
    assert response["Cache-Control"] == "no-store"


def test_response_dict_shorthand() -> None:
    response = HttpResponse()
    response["X-A"] = "1"
    assert response["x-a"] == "1"
    assert response.has_header("X-A")
    assert "x-a" in response
    assert response.get("X-B", "none") == "none"
    response.setdefault("X-A", "2")
    response.setdefault("X-B", "3")
    assert response["X-A"] == "1"
    assert response["X-B"] == "3"
    del response["X-A"]
    del response["X-Never-Set"]  # as Django: deleting a missing header is fine
    assert "X-A" not in response
    assert ("X-B", "3") in list(response.items())


@pytest.mark.parametrize("status", [100, 200, 404, 599])
def test_response_status_in_range_is_accepted(status: int) -> None:
    assert HttpResponse(status=status).status_code == status


@pytest.mark.parametrize("status", [99, 600, 0, -1])
def test_response_status_out_of_range_is_an_error(status: int) -> None:
    with pytest.raises(ValueError, match="from 100 to 599"):
        HttpResponse(status=status)


def test_response_status_not_a_number_is_an_error() -> None:
    with pytest.raises(TypeError, match="must be an integer"):
        HttpResponse(status="abc")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (object(), TypeError, "HTTP status code must be an integer."),
        ("J'attendrai", TypeError, "HTTP status code must be an integer."),
        (99, ValueError, "HTTP status code must be an integer from 100 to 599."),
        (600, ValueError, "HTTP status code must be an integer from 100 to 599."),
    ],
)
def test_response_status_errors_start_with_djangos_message(
    status: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        HttpResponse(status=status)
    assert str(raised.value).startswith(message)


def test_response_repr_without_content_type_omits_it() -> None:
    response = HttpResponse(status=204)
    del response.headers["Content-Type"]
    assert repr(response) == "<HttpResponse status_code=204>"
    not_allowed = HttpResponseNotAllowed(("GET", "POST"))
    del not_allowed.headers["Content-Type"]
    assert repr(not_allowed) == "<HttpResponseNotAllowed [GET, POST] status_code=405>"


def test_not_allowed_repr_names_methods_and_type() -> None:
    response = HttpResponseNotAllowed(["GET", "OPTIONS"], content_type="text/plain")
    assert repr(response) == '<HttpResponseNotAllowed [GET, OPTIONS] status_code=405, "text/plain">'


def test_serialize_gives_headers_blank_line_and_body() -> None:
    response = HttpResponse(b"hi", headers={"X-A": "caf\u00e9"})
    response.set_cookie("c", "1")  # cookies are not part of it, as in Django
    assert response.serialize_headers() == (
        b"X-A: caf\xe9\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 2"
    )
    assert response.serialize() == response.serialize_headers() + b"\r\n\r\nhi"
    assert bytes(response) == response.serialize()


def test_response_reason_phrase_defaults_custom_and_unknown() -> None:
    assert HttpResponse(status=404).reason_phrase == "Not Found"
    assert HttpResponse(status=599).reason_phrase == "Unknown Status Code"
    assert HttpResponse(status=200, reason="Fine").reason_phrase == "Fine"
    response = HttpResponse(status=418)
    response.status_code = 201
    assert response.reason_phrase == "Created"


def test_response_reason_phrase_with_line_break_is_an_error() -> None:
    with pytest.raises(BadHeaderError):
        HttpResponse(reason="OK\r\nX-Evil: 1")


# ---------------------------------------------------------------- content


def test_content_str_is_encoded() -> None:
    response = HttpResponse("☃")
    assert response.content == "☃".encode()
    assert response["Content-Length"] == "3"


@pytest.mark.parametrize(
    "value", [b"abc", bytearray(b"abc"), memoryview(b"abc"), [b"a", "b", memoryview(b"c")]]
)
def test_content_bytes_like_and_iterables_become_bytes(value: object) -> None:
    response = HttpResponse(value)
    assert response.content == b"abc"
    assert type(response.content) is bytes
    assert response["Content-Length"] == "3"


def test_content_generator_is_consumed_once_and_closed() -> None:
    closed: list[bool] = []

    def chunks() -> Any:
        try:
            yield "a"
            yield b"b"
        finally:
            closed.append(True)

    response = HttpResponse(chunks())
    assert response.content == b"ab"
    assert response.content == b"ab"  # readable again: the generator was joined
    assert closed == [True]


def test_content_other_objects_use_str() -> None:
    response = HttpResponse(12345)
    assert response.content == b"12345"


def test_content_setter_replaces_body_and_length() -> None:
    response = HttpResponse("long body")
    response.content = b"xy"
    assert response.content == b"xy"
    assert response["Content-Length"] == "2"
    assert response.asgi_headers()[-1] == (b"content-length", b"2")


def test_content_text_decodes_with_charset() -> None:
    assert HttpResponse("café").text == "café"


def test_content_write_writelines_tell_getvalue() -> None:
    response = HttpResponse()
    assert response.writable()
    response.write("ab")
    response.write(b"c")
    response.writelines(["d", b"e"])
    assert response.tell() == 5
    assert response.getvalue() == b"abcde"
    assert response["Content-Length"] == "5"
    assert list(response) == [b"", b"ab", b"c", b"d", b"e"]


def test_content_length_not_set_for_bodyless_statuses() -> None:
    assert "Content-Length" not in HttpResponse(status=204)
    assert "Content-Length" not in HttpResponse(status=101)


def test_content_length_keeps_case_of_given_header() -> None:
    response = HttpResponse("abc", headers={"content-length": "99"})
    assert response["Content-Length"] == "3"
    assert list(response.headers) == ["content-length", "Content-Type"]


def test_base_response_is_not_writable() -> None:
    response = HttpResponseBase()
    assert not response.writable()
    assert not response.readable()
    assert not response.seekable()
    with pytest.raises(OSError, match="not writable"):
        response.write("x")
    with pytest.raises(OSError, match="This HttpResponseBase instance is not writable"):
        response.writelines(["a\n", "b\n"])
    with pytest.raises(OSError, match="cannot tell"):
        response.tell()


def test_close_runs_closers_once_even_if_one_fails() -> None:
    calls: list[str] = []

    def failing() -> None:
        calls.append("failing")
        raise RuntimeError("boom")

    response = HttpResponse()
    response._add_closer(failing)
    response._add_closer(lambda: calls.append("second"))
    response.close()
    response.close()
    assert calls == ["failing", "second"]
    assert response.closed


# ---------------------------------------------------------------- header injection


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_through_constructor_headers_is_refused(value: str) -> None:
    with pytest.raises(BadHeaderError):
        HttpResponse(headers={"X-Evil": value})


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_through_response_setitem_is_refused(value: str) -> None:
    response = HttpResponse()
    with pytest.raises(BadHeaderError):
        response["X-Evil"] = value
    with pytest.raises(BadHeaderError):
        response.headers["X-Evil"] = value
    assert "X-Evil" not in response


def test_injection_through_content_type_is_refused() -> None:
    with pytest.raises(BadHeaderError):
        HttpResponse(content_type="text/html\r\nX-Evil: 1")


def test_injection_through_charset_is_refused() -> None:
    with pytest.raises(BadHeaderError):
        HttpResponse(charset="utf-8\r\nX-Evil: 1")


# ---------------------------------------------------------------- cookies


def test_cookie_plain_is_sent_as_set_cookie() -> None:
    response = HttpResponse()
    response.set_cookie("name", "value")
    assert wire(response)[b"set-cookie"] == [b"name=value; Path=/"]


def test_cookie_every_attribute() -> None:
    response = HttpResponse()
    response.set_cookie(
        "name",
        "value",
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    line = wire(response)[b"set-cookie"][0].decode()
    assert line.startswith("name=value")
    for part in ("Path=/app", "Domain=example.com", "Secure", "HttpOnly", "SameSite=Strict"):
        assert part in line


def test_cookie_max_age_sets_expires_too() -> None:
    response = HttpResponse()
    response.set_cookie("a", "1", max_age=3600)
    morsel = response.cookies["a"]
    assert morsel["max-age"] == 3600
    expires = email.utils.parsedate_to_datetime(morsel["expires"])
    assert abs(expires.timestamp() - (time.time() + 3600)) < 5


def test_cookie_max_age_timedelta_is_seconds() -> None:
    response = HttpResponse()
    response.set_cookie("a", "1", max_age=datetime.timedelta(hours=1, seconds=0.5))
    assert response.cookies["a"]["max-age"] == 3600


def test_cookie_expires_naive_datetime_is_utc() -> None:
    response = HttpResponse()
    in_one_hour = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    response.set_cookie("a", "1", expires=in_one_hour + datetime.timedelta(hours=1))
    assert 3595 <= response.cookies["a"]["max-age"] <= 3601
    assert response.cookies["a"]["expires"].endswith("GMT")


def test_cookie_expires_aware_datetime_and_past_dates() -> None:
    response = HttpResponse()
    aware = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5)))
    response.set_cookie("a", "1", expires=aware + datetime.timedelta(minutes=10))
    assert 595 <= response.cookies["a"]["max-age"] <= 601
    response.set_cookie("b", "1", expires=datetime.datetime(2000, 1, 1))
    assert response.cookies["b"]["max-age"] == 0


def test_cookie_expires_string_is_kept() -> None:
    response = HttpResponse()
    response.set_cookie("a", "1", expires="Fri, 01 Jan 2100 00:00:00 GMT")
    assert response.cookies["a"]["expires"] == "Fri, 01 Jan 2100 00:00:00 GMT"
    assert response.cookies["a"]["max-age"] == ""


def test_cookie_expires_and_max_age_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="can't be used together"):
        HttpResponse().set_cookie("a", expires=datetime.datetime(2100, 1, 1), max_age=1)


@pytest.mark.parametrize("samesite", ["Lax", "strict", "None"])
def test_cookie_samesite_valid_values(samesite: str) -> None:
    response = HttpResponse()
    response.set_cookie("a", samesite=samesite)
    assert response.cookies["a"]["samesite"] == samesite


def test_cookie_samesite_invalid_is_an_error() -> None:
    response = HttpResponse()
    with pytest.raises(ValueError, match=r'^samesite must be "lax", "none", or "strict"\.'):
        response.set_cookie("a", samesite="loose")
    assert "a" not in response.cookies


def test_delete_cookie_expires_it() -> None:
    response = HttpResponse()
    response.delete_cookie("a", path="/p", domain="example.com")
    morsel = response.cookies["a"]
    assert morsel.value == ""
    assert morsel["max-age"] == 0
    assert morsel["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert morsel["path"] == "/p"
    assert morsel["domain"] == "example.com"
    assert not morsel["secure"]


@pytest.mark.parametrize("key", ["__Secure-a", "__Host-a"])
def test_delete_cookie_prefixed_names_are_secure(key: str) -> None:
    response = HttpResponse()
    response.delete_cookie(key)
    assert response.cookies[key]["secure"] is True


def test_delete_cookie_samesite_none_is_secure() -> None:
    response = HttpResponse()
    response.delete_cookie("a", samesite="none")
    assert response.cookies["a"]["secure"] is True
    assert response.cookies["a"]["samesite"] == "none"


def test_cookie_value_with_line_break_is_quoted_not_injected() -> None:
    response = HttpResponse()
    response.set_cookie("a", "x\r\nSet-Cookie: evil=1")
    (line,) = wire(response)[b"set-cookie"]
    assert b"\r" not in line
    assert b"\n" not in line
    assert line.startswith(b'a="x\\015\\012Set-Cookie')


@pytest.mark.parametrize("attribute", ["path", "domain"])
@pytest.mark.parametrize("value", ["/\r\nX-Evil: 1", "/\n", "/; Domain=evil.com", "a\x00"])
def test_cookie_attribute_injection_is_refused(attribute: str, value: str) -> None:
    response = HttpResponse()
    options: dict[str, Any] = {attribute: value}
    with pytest.raises(BadHeaderError, match=attribute):
        response.set_cookie("a", "1", **options)
    assert "a" not in response.cookies


def test_cookie_expires_injection_is_refused() -> None:
    with pytest.raises(BadHeaderError, match="expires"):
        HttpResponse().set_cookie("a", expires="Thu\r\nX-Evil: 1")


def test_cookie_key_with_line_break_is_refused() -> None:
    with pytest.raises(CookieError):
        HttpResponse().set_cookie("a\r\nX-Evil: 1", "v")


def test_cookie_set_directly_with_injection_fails_when_sent() -> None:
    response = HttpResponse()
    response.cookies["a"] = "1"
    response.cookies["a"]["path"] = "/\r\nX-Evil: 1"
    with pytest.raises(BadHeaderError, match="'a'"):
        response.asgi_headers()
    with pytest.raises(BadHeaderError, match="'a'"):
        response.wsgi_headers()


def test_cookie_value_outside_latin1_is_refused() -> None:
    response = HttpResponse()
    with pytest.raises(BadHeaderError, match="encode its value"):
        response.set_cookie("a", "☃")
    assert "a" not in response.cookies


def test_cookie_value_latin1_is_escaped() -> None:
    response = HttpResponse()
    response.set_cookie("a", "café")
    assert wire(response)[b"set-cookie"] == [b'a="caf\\351"; Path=/']


def test_cookies_are_created_on_first_use() -> None:
    response = HttpResponse()
    assert response.asgi_headers() == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", b"0"),
    ]
    assert len(response.cookies) == 0


# ---------------------------------------------------------------- redirects


def test_redirect_is_302_with_location_and_url() -> None:
    response = HttpResponseRedirect("/next/?a=1")
    assert response.status_code == 302
    assert response["Location"] == "/next/?a=1"
    assert response.url == "/next/?a=1"
    assert repr(response) == (
        '<HttpResponseRedirect status_code=302, "text/html; charset=utf-8", url="/next/?a=1">'
    )


def test_permanent_redirect_is_301() -> None:
    response = HttpResponsePermanentRedirect("https://example.com/")
    assert response.status_code == 301
    assert response.url == "https://example.com/"


def test_redirect_preserve_request_uses_307_and_308() -> None:
    assert HttpResponseRedirect("/", preserve_request=True).status_code == 307
    assert HttpResponsePermanentRedirect("/", preserve_request=True).status_code == 308


@pytest.mark.parametrize(
    "url", ["/relative", "other", "http://a.com", "https://a.com", "ftp://a.com/f", "//a.com"]
)
def test_redirect_allowed_urls(url: str) -> None:
    assert HttpResponseRedirect(url).url == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\nscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>",
        "file:///etc/passwd",
    ],
)
def test_redirect_unsafe_scheme_is_refused(url: str) -> None:
    with pytest.raises(DisallowedRedirect, match="Unsafe redirect"):
        HttpResponseRedirect(url)
    with pytest.raises(SuspiciousOperation):
        HttpResponsePermanentRedirect(url)


def test_redirect_url_up_to_the_maximum_length_is_accepted() -> None:
    base = "https://example.com/"
    for length in (MAX_URL_REDIRECT_LENGTH - 1, MAX_URL_REDIRECT_LENGTH):
        url = base + "x" * (length - len(base))
        assert HttpResponseRedirect(url).url == url


def test_redirect_url_over_the_maximum_length_is_refused() -> None:
    url = "/" + "x" * MAX_URL_REDIRECT_LENGTH
    with pytest.raises(DisallowedRedirect, match="Unsafe redirect exceeding 16384 characters"):
        HttpResponseRedirect(url)
    with pytest.raises(DisallowedRedirect):
        HttpResponsePermanentRedirect(url)


def test_redirect_refused_still_has_a_repr() -> None:
    # A debug page shows the constructor's locals, `self` among them.
    response = HttpResponseRedirect.__new__(HttpResponseRedirect)
    with pytest.raises(DisallowedRedirect, match="Unsafe redirect to URL with protocol 'ssh'"):
        HttpResponseRedirect.__init__(response, "ssh://foo")
    assert repr(response) == (
        '<HttpResponseRedirect status_code=302, "text/html; charset=utf-8", url="ssh://foo">'
    )


def test_redirect_repr_without_location_omits_the_url() -> None:
    response = HttpResponseRedirect.__new__(HttpResponseRedirect)
    with pytest.raises(UnicodeEncodeError):
        HttpResponseRedirect.__init__(response, "/\ud800")  # a lone surrogate
    assert repr(response) == '<HttpResponseRedirect status_code=302, "text/html; charset=utf-8">'


def test_redirect_invalid_url_is_refused() -> None:
    with pytest.raises(DisallowedRedirect, match="Can't redirect"):
        HttpResponseRedirect("http://[::1")


def test_redirect_line_breaks_are_percent_encoded() -> None:
    response = HttpResponseRedirect("/a\r\nSet-Cookie: x=1")
    assert response.url == "/a%0D%0ASet-Cookie:%20x=1"
    for _, value in response.asgi_headers():
        assert b"\r" not in value
        assert b"\n" not in value


def test_redirect_iri_is_converted_to_uri() -> None:
    assert HttpResponseRedirect("/café/?q=☃#f").url == "/caf%C3%A9/?q=%E2%98%83#f"


def test_redirect_accepts_content_and_headers() -> None:
    response = HttpResponseRedirect("/", content="moved", headers={"X-A": "1"})
    assert response.content == b"moved"
    assert response["X-A"] == "1"


# ---------------------------------------------------------------- status classes


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (HttpResponseBadRequest, 400),
        (HttpResponseForbidden, 403),
        (HttpResponseNotFound, 404),
        (HttpResponseGone, 410),
        (HttpResponseServerError, 500),
    ],
)
def test_status_classes_have_their_code(cls: type[HttpResponse], status: int) -> None:
    response = cls("body")
    assert response.status_code == status
    assert response.content == b"body"


def test_not_allowed_lists_methods_in_allow() -> None:
    response = HttpResponseNotAllowed(["GET", "POST"])
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert repr(response) == (
        '<HttpResponseNotAllowed [GET, POST] status_code=405, "text/html; charset=utf-8">'
    )


def test_not_modified_has_no_content_type_or_body() -> None:
    response = HttpResponseNotModified()
    assert response.status_code == 304
    assert "Content-Type" not in response
    assert "Content-Length" not in response
    assert response.content == b""
    response.content = b""
    with pytest.raises(AttributeError, match="304"):
        response.content = b"x"


def test_http404_is_an_exception() -> None:
    with pytest.raises(Http404, match="nothing here"):
        raise Http404("nothing here")


def test_bad_header_error_is_a_value_error() -> None:
    assert issubclass(BadHeaderError, ValueError)
    assert issubclass(DisallowedRedirect, SuspiciousOperation)


# ---------------------------------------------------------------- DefaultHeaders

SECURITY = DefaultHeaders({"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"})


def test_default_headers_on_a_framed_response_reach_every_view_of_it() -> None:
    response = HttpResponse(b"{}", content_type="application/json")
    SECURITY.apply(response)
    assert wire(response)[b"x-frame-options"] == [b"DENY"]
    assert wire(response)[b"referrer-policy"] == [b"same-origin"]
    assert response["X-Frame-Options"] == "DENY"  # building the map keeps them
    assert ("Referrer-Policy", "same-origin") in response.wsgi_headers()


def test_default_headers_never_replace_what_a_view_set() -> None:
    response = HttpResponse("page")
    response["X-Frame-Options"] = "SAMEORIGIN"
    SECURITY.apply(response)
    assert wire(response)[b"x-frame-options"] == [b"SAMEORIGIN"]
    assert response["Referrer-Policy"] == "same-origin"


def test_overlapping_defaults_keep_the_first_applied() -> None:
    response = HttpResponse(b"x", content_type="text/plain; charset=utf-8")
    SECURITY.apply(response)
    DefaultHeaders({"X-Frame-Options": "SAMEORIGIN", "X-Extra": "1"}).apply(response)
    assert wire(response)[b"x-frame-options"] == [b"DENY"]
    assert wire(response)[b"x-extra"] == [b"1"]


def test_defaults_naming_the_framing_headers_never_duplicate_them() -> None:
    response = HttpResponse(b"x", content_type="application/json")
    DefaultHeaders({"Content-Type": "text/plain", "X-A": "1"}).apply(response)
    assert wire(response)[b"content-type"] == [b"application/json"]
    assert wire(response)[b"x-a"] == [b"1"]


def test_default_headers_are_checked_like_any_header() -> None:
    with pytest.raises(BadHeaderError):
        DefaultHeaders({"X-Bad": "a\r\nSet-Cookie: x=1"})

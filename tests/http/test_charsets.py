"""Which client charsets request data is decoded with, the same under ASGI and WSGI."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato.http import HttpRequest, JsonResponse, QueryDict
from legato.http.charsets import (
    UnsupportedCharset,
    charset_for_decoding,
    check_charset,
    decodable_codecs,
)
from legato.urls import path
from tests.parity import ServeBoth

NOT_TEXT = ["idna", "punycode", "undefined", "base64", "zlib", "rot13", "unicode_escape"]


def test_common_charsets_are_decodable() -> None:
    for name in ("utf-8", "UTF8", "latin-1", "ISO-8859-1", "cp1252", "shift_jis", "utf-16"):
        assert charset_for_decoding(name) == name


def test_unknown_charset_is_none() -> None:
    assert charset_for_decoding("klingon") is None


@pytest.mark.parametrize("name", NOT_TEXT)
def test_codec_that_is_no_charset_is_refused(name: str) -> None:
    with pytest.raises(UnsupportedCharset, match="cannot decode text"):
        charset_for_decoding(name)
    with pytest.raises(LookupError):
        check_charset(name)


@given(st.sampled_from(sorted(decodable_codecs())), st.binary(max_size=64))
def test_every_accepted_codec_decodes_any_bytes(name: str, data: bytes) -> None:
    # filterwarnings=error: a codec that warns on some input would fail here too.
    assert isinstance(data.decode(name, "replace"), str)
    assert isinstance(QueryDict(data, encoding=name), QueryDict)


@given(st.text(max_size=30))
def test_any_client_charset_is_used_ignored_or_refused(name: str) -> None:
    try:
        result = charset_for_decoding(name)
    except UnsupportedCharset:
        return
    assert result in (None, name)
    if result is not None:
        assert codecs.lookup(name).name in decodable_codecs()


def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"get": request.GET.dict(), "post": request.POST.dict()})


def echo_app() -> App:
    return App(urlpatterns=[path("echo/", echo)])


@pytest.mark.parametrize("charset", ["idna", "punycode"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unusable_client_charset_is_answered_400(
    both: ServeBoth, charset: str, method: str
) -> None:
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    body = b"a=%E9" if method == "POST" else b""
    response = both(echo_app).request(method, "/echo/?q=%FF", body, content_type)
    assert response.status == 400
    assert b"cannot decode text" in response.body


def echo_query(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"get": request.GET.dict()})


def test_latin1_client_charset_decodes_the_query_string(both: ServeBoth) -> None:
    content_type = "text/plain; charset=latin-1"
    response = both(lambda: App([path("q/", echo_query)])).post("/q/?q=%FF", b"", content_type)
    assert response.text == '{"get":{"q":"ÿ"}}'


def test_latin1_urlencoded_form_is_answered_400_as_in_django_5_2(both: ServeBoth) -> None:
    content_type = "application/x-www-form-urlencoded; charset=latin-1"
    response = both(echo_app).post("/echo/?q=%FF", b"a=%E9", content_type)
    assert response.status == 400
    assert b"must be UTF-8 encoded" in response.body

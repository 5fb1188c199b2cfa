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
from legato.test import Client
from legato.urls import path

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


@pytest.mark.parametrize("charset", ["idna", "punycode"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_unusable_client_charset_is_answered_400(charset: str, method: str) -> None:
    client = Client(App(urlpatterns=[path("echo/", echo)]), raise_request_exception=False)
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    if method == "get":
        response = client.get("/echo/?q=%FF", headers={"content-type": content_type})
    else:
        response = client.post("/echo/?q=%FF", data=b"a=%E9", content_type=content_type)
    assert response.status_code == 400
    assert b"cannot decode text" in response.content


def test_latin1_client_charset_decodes_query_and_form() -> None:
    client = Client(App(urlpatterns=[path("echo/", echo)]))
    content_type = "application/x-www-form-urlencoded; charset=latin-1"
    response = client.post("/echo/?q=%FF", data=b"a=%E9", content_type=content_type)
    assert response.json() == {"get": {"q": "ÿ"}, "post": {"a": "é"}}

from __future__ import annotations

from typing import Any

import pytest

from legato.exceptions import BadRequest, TooManyFieldsSent
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.request import HttpRequest, RawPostDataException

BOUNDARY = "xYzZY"


def posted(
    content_type: bytes | None, raw: bytes, limits: RequestLimits | None = None
) -> HttpRequest:
    limits = limits or RequestLimits()
    headers = [] if content_type is None else [(b"content-type", content_type)]
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    reader = BodyReader(content_type, len(raw), limits)
    reader.feed(raw)
    return HttpRequest(scope, reader.finish(), limits=limits)


def multipart() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHi\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nfile body\r\n--{BOUNDARY}--\r\n"
    ).encode()


def test_urlencoded_body_fills_post() -> None:
    request = posted(b"application/x-www-form-urlencoded", b"a=1&a=2&b=caf%C3%A9+x")
    assert request.POST.getlist("a") == ["1", "2"]
    assert request.POST["b"] == "café x"
    assert request.body == b"a=1&a=2&b=caf%C3%A9+x"
    assert request.FILES == {}
    with pytest.raises(AttributeError, match="immutable"):
        request.POST["c"] = "3"


def test_urlencoded_body_with_another_charset_is_a_bad_request_as_in_django() -> None:
    request = posted(b"application/x-www-form-urlencoded; charset=latin-1", b"a=%E9")
    with pytest.raises(BadRequest, match=r"must be UTF-8 encoded.*'latin-1'"):
        _ = request.POST
    assert request.body == b"a=%E9"  # the bytes are still there for a view that wants them


@pytest.mark.parametrize("charset", [b"utf-8", b"UTF-8", b"utf8", b'"utf_8"', b"klingon"])
def test_urlencoded_body_in_utf8_or_an_unknown_charset_is_read_as_utf8(charset: bytes) -> None:
    request = posted(b"application/x-www-form-urlencoded; charset=" + charset, b"a=%C3%A9")
    assert request.POST["a"] == "é"


def test_setting_a_non_utf8_encoding_refuses_a_urlencoded_form_too() -> None:
    request = posted(b"application/x-www-form-urlencoded", b"a=%E9")
    request.encoding = "latin-1"
    with pytest.raises(BadRequest, match="must be UTF-8 encoded"):
        _ = request.POST


def test_urlencoded_body_with_too_many_fields_raises() -> None:
    limits = RequestLimits(data_upload_max_number_fields=1)
    request = posted(b"application/x-www-form-urlencoded", b"a=1&b=2", limits)
    with pytest.raises(TooManyFieldsSent):
        _ = request.POST


def test_other_content_types_leave_post_empty() -> None:
    request = posted(b"application/json", b"a=1")
    assert request.POST == {}
    assert request.body == b"a=1"
    assert posted(None, b"a=1").POST == {}


def test_multipart_fills_post_and_files_and_hides_body() -> None:
    request = posted(f"multipart/form-data; boundary={BOUNDARY}".encode(), multipart())
    assert dict(request.POST.lists()) == {"title": ["Hi"]}
    upload = request.FILES["f"]
    assert upload.name == "a.txt"
    assert upload.read() == b"file body"
    with pytest.raises(RawPostDataException, match=r"request\.POST and request\.FILES"):
        _ = request.body
    request.close()
    assert upload.closed


def test_json_decodes_body_once() -> None:
    request = posted(b"application/json", b'{"a": [1, 2], "b": null}')
    data = request.json()
    assert data == {"a": [1, 2], "b": None}
    assert request.json() is data


@pytest.mark.parametrize("raw", [b"{bad json", b"", b'{"a": 1', b'"\xff\xfe"', b"\xff"])
def test_json_errors_raise_badrequest(raw: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        posted(b"application/json", raw).json()
    assert str(info.value).startswith("Malformed JSON in request body:")


def test_json_of_multipart_body_raises_badrequest() -> None:
    request = posted(f"multipart/form-data; boundary={BOUNDARY}".encode(), multipart())
    with pytest.raises(BadRequest, match=r"^Malformed JSON in request body: it is multipart"):
        request.json()
    request.close()


def test_body_data_can_be_attached_after_construction() -> None:
    request = HttpRequest(
        {
            "type": "http",
            "method": "POST",
            "path": "/",
            "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        }
    )
    assert request.body == b""
    request.body_data = RequestBody(b"x=1")
    assert request.body == b"x=1"
    assert dict(request.POST.lists()) == {"x": ["1"]}


def test_put_form_is_parsed_too() -> None:
    request = posted(b"application/x-www-form-urlencoded", b"a=1")
    request.method = "PUT"
    assert dict(request.POST.lists()) == {"a": ["1"]}


def test_multipart_sent_to_a_view_that_reads_the_body_is_a_bad_request() -> None:
    from legato import App
    from legato.http import JsonResponse
    from legato.test import Client
    from legato.urls import path

    async def greeting(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"length": len(request.body)})

    client = Client(App([path("greeting/", greeting)]), raise_request_exception=False)
    response = client.post("/greeting/", {"name": "Ada"})  # the client sends multipart
    assert response.status_code == 400
    assert b"request.POST and request.FILES" in response.content


def test_the_body_reads_as_a_file() -> None:
    request = posted(b"text/plain", b"one\ntwo\nthree")
    assert request.read(2) == b"on"
    assert request.readline() == b"e\n"
    assert request.readlines() == [b"two\n", b"three"]
    assert request.read() == b""


def test_the_body_iterates_by_line() -> None:
    assert list(posted(b"text/plain", b"a\nb\n")) == [b"a\n", b"b\n"]
    assert list(posted(b"text/plain", b"")) == []


def test_a_request_without_a_body_reads_as_an_empty_file() -> None:
    request = HttpRequest({"type": "http", "method": "GET", "path": "/", "headers": []})
    assert request.read() == b""
    assert request.readlines() == []


def test_body_after_reading_the_stream_raises_as_in_django() -> None:
    request = posted(b"application/x-www-form-urlencoded", b"name=value")
    assert request.read(2) == b"na"
    with pytest.raises(RawPostDataException, match="after reading from request's data stream"):
        _ = request.body
    assert request.POST == {}  # Django's rule: the stream was the body's one reader


def test_reading_the_stream_after_body_or_post_is_allowed_as_in_django() -> None:
    request = posted(b"application/x-www-form-urlencoded", b"name=value")
    assert request.POST == {"name": ["value"]}
    assert request.read() == b"name=value"
    assert request.body == b"name=value"
    other = posted(b"text/plain", b"abc")
    assert other.body == b"abc"
    assert other.read(1) == b"a"
    assert other.body == b"abc"


def test_a_multipart_body_cannot_be_read_as_a_stream() -> None:
    request = posted(f"multipart/form-data; boundary={BOUNDARY}".encode(), multipart())
    with pytest.raises(RawPostDataException, match="cannot be read as a stream"):
        request.read()
    assert request.POST["title"] == "Hi"
    request.close()


def test_an_async_view_reads_the_body_as_a_file() -> None:
    from legato import App
    from legato.http import JsonResponse
    from legato.test import Client
    from legato.urls import path

    async def lines(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"lines": [line.decode() for line in request]})

    with Client(App([path("lines/", lines)])) as client:
        response = client.post("/lines/", "a\nb", content_type="text/plain")
    assert response.json() == {"lines": ["a\n", "b"]}


def test_a_urlencoded_form_in_latin1_is_answered_400() -> None:
    from legato import App
    from legato.http import JsonResponse
    from legato.test import Client
    from legato.urls import path

    async def form(request: HttpRequest) -> JsonResponse:
        return JsonResponse(request.POST.dict())

    client = Client(App([path("form/", form)]), raise_request_exception=False)
    latin1 = "application/x-www-form-urlencoded; charset=latin-1"
    assert client.post("/form/", b"a=%E9", content_type=latin1).status_code == 400
    utf8 = "application/x-www-form-urlencoded; charset=utf-8"
    assert client.post("/form/", b"a=%C3%A9", content_type=utf8).json() == {"a": "é"}

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


def test_urlencoded_body_uses_declared_charset() -> None:
    request = posted(b"application/x-www-form-urlencoded; charset=latin-1", b"a=%E9")
    assert request.POST["a"] == "é"


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

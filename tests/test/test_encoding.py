"""How the test client encodes data: query strings, and bodies by content type, as Django does."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http.body import BodyReader, RequestLimits
from legato.test.encoding import (
    BOUNDARY,
    MULTIPART_CONTENT,
    encode_body,
    encode_multipart,
    encode_query,
)


def test_a_query_repeats_list_values_and_sends_none_as_empty() -> None:
    assert encode_query({"tag": ["a", "b"], "page": 2, "q": None}) == "tag=a&tag=b&page=2&q="
    assert encode_query([("a", "1"), ("a", "2")]) == "a=1&a=2"
    assert encode_query("already=encoded") == "already=encoded"


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (None, "text/plain", (b"", "text/plain")),
        ("", None, (b"", None)),
        (b"raw", "application/octet-stream", (b"raw", "application/octet-stream")),
        ("café", "text/plain", ("café".encode(), "text/plain")),
        ({"a": [1, 2]}, "application/json", (b'{"a":[1,2]}', "application/json")),
        ([1], "application/vnd.api+json", (b"[1]", "application/vnd.api+json")),
        ({"q": "a b"}, "application/x-www-form-urlencoded", (b"q=a+b", None)),
    ],
)
def test_a_body_is_encoded_by_its_content_type(
    data: object, content_type: str | None, expected: tuple[bytes, str | None]
) -> None:
    body, sent_type = encode_body(data, content_type)
    assert body == expected[0]
    assert sent_type == (expected[1] or content_type)


def test_a_dict_posted_by_default_is_multipart_with_its_files() -> None:
    upload = io.BytesIO(b"%PDF")
    upload.name = "/tmp/report.pdf"
    body, content_type = encode_body({"title": "Q3", "doc": upload}, MULTIPART_CONTENT)
    assert content_type == MULTIPART_CONTENT
    assert b'name="doc"; filename="report.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF' in body
    assert body.endswith(f"--{BOUNDARY}--\r\n".encode())


def test_a_file_without_a_name_is_sent_as_upload_bin() -> None:
    body = encode_multipart(BOUNDARY, {"f": io.BytesIO(b"x")})
    assert b'filename="upload.bin"\r\nContent-Type: application/octet-stream' in body


def test_a_dict_for_a_content_type_it_cannot_encode_says_what_to_pass() -> None:
    with pytest.raises(TypeError, match="Cannot encode dict as 'text/plain'; pass str or bytes"):
        encode_body({"a": 1}, "text/plain")


# Field names without surrounding spaces: header parameter parsing strips them.
names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters='"\r\n\\'), min_size=1
).filter(lambda name: name == name.strip())
values = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=40)


@given(st.dictionaries(names, st.lists(values, min_size=1, max_size=3), max_size=5))
def test_legatos_own_parser_reads_back_what_the_client_encodes(
    form: dict[str, list[str]],
) -> None:
    body = encode_multipart(BOUNDARY, form)
    reader = BodyReader(MULTIPART_CONTENT.encode(), len(body), RequestLimits())
    reader.feed(body)
    parsed = reader.finish()
    assert parsed.post is not None
    assert dict(parsed.post.lists()) == form

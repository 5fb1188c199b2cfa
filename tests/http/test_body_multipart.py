from __future__ import annotations

import contextlib
import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legato.exceptions import (
    BadRequest,
    MultiPartParserError,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    TooManyPartsSent,
)
from legato.http._form_budget import MAX_PART_HEADER_SIZE, MAX_PART_HEADERS
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.charsets import UnsupportedCharset
from legato.http.multipart import MAX_HEADER_PARAMETERS, UploadedFile

BOUNDARY = "----LegatoBoundary7MA4YWxk"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}".encode()


@dataclass
class Form:
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, str, bytes]] = field(default_factory=list)

    def encode(self, boundary: str = BOUNDARY) -> bytes:
        out = bytearray()
        for name, value in self.fields:
            out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += value.encode() + b"\r\n"
        for name, file_name, content_type, data in self.files:
            out += (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            out += data + b"\r\n"
        out += f"--{boundary}--\r\n".encode()
        return bytes(out)


def parse(
    raw: bytes,
    limits: RequestLimits | None = None,
    chunk_size: int | None = None,
    content_type: bytes = CONTENT_TYPE,
) -> RequestBody:
    reader = BodyReader(content_type, len(raw), limits or RequestLimits())
    step = chunk_size or max(len(raw), 1)
    for start in range(0, len(raw), step):
        reader.feed(raw[start : start + step])
    return reader.finish()


def form_of(body: RequestBody) -> dict[str, list[str]]:
    assert body.post is not None
    return dict(body.post.lists())


def files_of(body: RequestBody) -> dict[str, list[tuple[str | None, bytes]]]:
    assert body.files is not None
    return {
        name: [(upload.name, upload.read()) for upload in uploads]
        for name, uploads in body.files.lists()
    }


def on_disk(upload: UploadedFile) -> bool:
    # SpooledTemporaryFile has no public "rolled over" flag; its private one is stable.
    return bool(upload.file._rolled)  # type: ignore[union-attr]


def test_fields_and_several_files_are_parsed() -> None:
    form = Form(
        fields=[("title", "Hello"), ("tag", "a"), ("tag", "b"), ("empty", "")],
        files=[
            ("doc", "report.txt", "text/plain; charset=utf-8", b"line 1\r\nline 2\r\n"),
            ("doc", "data.bin", "application/octet-stream", bytes(range(256)) * 4),
            ("avatar", "me.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ],
    )
    body = parse(form.encode())
    assert body.body is None
    assert body.post is not None
    assert body.post.getlist("tag") == ["a", "b"]
    assert body.post["title"] == "Hello"
    assert body.post["empty"] == ""
    assert files_of(body) == {
        "doc": [("report.txt", b"line 1\r\nline 2\r\n"), ("data.bin", bytes(range(256)) * 4)],
        "avatar": [("me.png", b"\x89PNG\r\n\x1a\n")],
    }
    assert body.files is not None
    report = body.files.getlist("doc")[0]
    assert report.content_type == "text/plain"
    assert report.charset == "utf-8"
    assert report.content_type_extra == {"charset": "utf-8"}
    assert report.field_name == "doc"
    assert report.size == len(b"line 1\r\nline 2\r\n")
    body.close()
    assert report.closed


def test_post_from_multipart_is_immutable() -> None:
    body = parse(Form(fields=[("a", "1")]).encode())
    assert body.post is not None
    with pytest.raises(AttributeError, match="immutable"):
        body.post["a"] = "2"


def test_file_larger_than_spool_threshold_goes_to_disk() -> None:
    limits = RequestLimits(file_upload_max_memory_size=1024)
    big = b"x" * 4096
    body = parse(Form(files=[("f", "big.bin", "application/octet-stream", big)]).encode(), limits)
    assert body.files is not None
    upload = body.files["f"]
    assert on_disk(upload)
    assert upload.read() == big
    body.close()


def test_small_file_stays_in_memory() -> None:
    body = parse(Form(files=[("f", "a.txt", "text/plain", b"tiny")]).encode())
    assert body.files is not None
    assert not on_disk(body.files["f"])
    body.close()


def test_many_small_files_share_one_memory_budget() -> None:
    limits = RequestLimits(file_upload_max_memory_size=1000)
    files = [("f", f"{i}.bin", "application/octet-stream", b"y" * 400) for i in range(5)]
    body = parse(Form(files=files).encode(), limits, chunk_size=97)
    assert body.files is not None
    uploads = body.files.getlist("f")
    assert [on_disk(upload) for upload in uploads] == [False, False, True, True, True]
    assert all(upload.read() == b"y" * 400 for upload in uploads)
    body.close()


def test_zero_spool_threshold_puts_every_file_on_disk() -> None:
    limits = RequestLimits(file_upload_max_memory_size=0)
    body = parse(Form(files=[("f", "a.txt", "text/plain", b"abc")]).encode(), limits)
    assert body.files is not None
    assert on_disk(body.files["f"])
    assert body.files["f"].read() == b"abc"
    body.close()


def test_files_over_max_upload_size_raise() -> None:
    limits = RequestLimits(max_upload_size=1000)
    files = [("f", "a.bin", "application/octet-stream", b"z" * 600)] * 2
    raw = Form(files=files).encode()
    reader = BodyReader(CONTENT_TYPE, None, limits)
    with pytest.raises(RequestDataTooBig, match="max_upload_size"):
        reader.feed(raw)


def test_fields_over_memory_limit_raise() -> None:
    limits = RequestLimits(data_upload_max_memory_size=100)
    raw = Form(fields=[("a", "v" * 60), ("b", "w" * 60)]).encode()
    reader = BodyReader(CONTENT_TYPE, None, limits)
    with pytest.raises(RequestDataTooBig, match="form fields"):
        reader.feed(raw)


def test_files_do_not_count_against_field_memory_limit() -> None:
    # The two parts' headers take about 110 bytes of the budget; the file takes none.
    limits = RequestLimits(data_upload_max_memory_size=300)
    raw = Form(fields=[("a", "1")], files=[("f", "a.bin", "x/y", b"q" * 5000)]).encode()
    body = parse(raw, limits, chunk_size=512)
    assert files_of(body)["f"] == [("a.bin", b"q" * 5000)]
    body.close()


def test_declared_length_over_multipart_limit_raises_at_construction() -> None:
    limits = RequestLimits(max_upload_size=1000, data_upload_max_memory_size=100)
    with pytest.raises(RequestDataTooBig, match="max_upload_size"):
        BodyReader(CONTENT_TYPE, 1101, limits)
    BodyReader(CONTENT_TYPE, 1100, limits).close()


def test_whole_multipart_body_over_combined_limit_raises_during_feed() -> None:
    limits = RequestLimits(max_upload_size=1000, data_upload_max_memory_size=100)
    reader = BodyReader(CONTENT_TYPE, None, limits)
    with pytest.raises(RequestDataTooBig):
        reader.feed(b"-" * 1101)


def test_too_many_fields_raise() -> None:
    limits = RequestLimits(data_upload_max_number_fields=3)
    raw = Form(fields=[(f"f{i}", "v") for i in range(4)]).encode()
    with pytest.raises(TooManyFieldsSent, match="more than 3 fields"):
        parse(raw, limits)
    parse(Form(fields=[(f"f{i}", "v") for i in range(3)]).encode(), limits).close()


def test_too_many_files_raise() -> None:
    limits = RequestLimits(data_upload_max_number_files=2)
    raw = Form(files=[("f", f"{i}.txt", "text/plain", b"x") for i in range(3)]).encode()
    with pytest.raises(TooManyFilesSent, match="more than 2 files"):
        parse(raw, limits)


def test_empty_multipart_body_is_an_empty_form() -> None:
    body = parse(b"")
    assert body.post is not None
    assert body.files is not None
    assert not body.post
    assert not body.files


def test_closing_boundary_only_is_an_empty_form() -> None:
    body = parse(Form().encode())
    assert form_of(body) == {}
    assert not body.files


@pytest.mark.parametrize(
    "content_type",
    [
        b"multipart/form-data",
        b"multipart/form-data; boundary=",
        b"multipart/form-data; boundary=" + b"x" * 201,
        b"multipart/form-data; boundary=\xe9t\xe9",
        b'multipart/form-data; boundary="ends with space "',
    ],
)
def test_missing_or_invalid_boundary_raises_badrequest(content_type: bytes) -> None:
    with pytest.raises(MultiPartParserError, match="boundary"):
        BodyReader(content_type, None, RequestLimits())


def test_quoted_boundary_is_accepted() -> None:
    raw = Form(fields=[("a", "1")]).encode(boundary="with space")
    body = parse(raw, content_type=b'multipart/form-data; boundary="with space"')
    assert form_of(body) == {"a": ["1"]}


def test_truncated_body_raises_badrequest() -> None:
    raw = Form(fields=[("a", "1")], files=[("f", "a.txt", "text/plain", b"abc")]).encode()
    with pytest.raises(MultiPartParserError, match="ends before the closing boundary"):
        parse(raw[:-20])


def test_body_with_other_boundary_raises_badrequest() -> None:
    raw = Form(fields=[("a", "1")]).encode(boundary="somethingelse")
    with pytest.raises(MultiPartParserError, match="Malformed multipart body"):
        parse(raw)


def test_broken_part_headers_raise_badrequest() -> None:
    raw = f'--{BOUNDARY}\r\nContent Disposition: form-data; name="a"\r\n\r\n1\r\n--{BOUNDARY}--\r\n'
    with pytest.raises(MultiPartParserError, match="Malformed multipart body"):
        parse(raw.encode())


def test_garbage_before_first_boundary_raises_badrequest() -> None:
    with pytest.raises(MultiPartParserError):
        parse(b"hello" + Form(fields=[("a", "1")]).encode())


def test_empty_filename_and_nameless_parts_are_skipped() -> None:
    raw = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename=""\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nlost\r\n"
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nlost too\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kept"\r\n\r\nyes\r\n'
        f"--{BOUNDARY}--\r\n"
    ).encode()
    body = parse(raw)
    assert form_of(body) == {"kept": ["yes"]}
    assert not body.files


def test_filenames_are_sanitised() -> None:
    files = [
        ("a", "../../etc/passwd", "text/plain", b"1"),
        ("b", "C:\\\\Users\\\\me\\\\file.txt", "text/plain", b"2"),
        ("c", "caf&#233;.txt", "text/plain", b"3"),
    ]
    body = parse(Form(files=files).encode())
    assert body.files is not None
    assert [body.files[name].name for name in "abc"] == ["passwd", "file.txt", "café.txt"]
    body.close()


def test_utf8_names_and_values_and_part_charset() -> None:
    raw = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="café"\r\n\r\n'.encode()
        + "thé".encode()
        + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="latin"\r\n'.encode()
        + b"Content-Type: text/plain; charset=latin-1\r\n\r\n\xe9t\xe9"
        + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="bad"\r\n\r\n'.encode()
        + b"\xff"
        + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="odd"\r\n'.encode()
        + b"Content-Type: text/plain; charset=klingon\r\n\r\nok"
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    body = parse(raw)
    assert form_of(body) == {
        "café": ["thé"],
        "latin": ["été"],
        "bad": ["\ufffd"],
        "odd": ["ok"],  # a charset Python does not know: UTF-8, as in Django
    }


@pytest.mark.parametrize("charset", ["utf-16", "x\x00y", "klingon"])
def test_part_charset_that_python_reads_or_does_not_know_decodes(charset: str) -> None:
    body = parse(part_with_charset(charset))
    assert body.post is not None
    assert isinstance(body.post["a"], str)


@pytest.mark.parametrize("charset", ["idna", "punycode", "undefined", "base64", "rot13"])
def test_part_charset_that_cannot_decode_text_is_a_bad_request(charset: str) -> None:
    # The same guard as the request's own charset (legato.http.charsets).
    with pytest.raises(UnsupportedCharset, match="cannot decode text"):
        parse(part_with_charset(charset))


def part_with_charset(charset: str) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'
            f"Content-Type: text/plain; charset={charset}\r\n\r\n"
        ).encode()
        + "caf\u00e9\r\n".encode()
        + f"--{BOUNDARY}--\r\n".encode()
    )


def test_failed_feed_closes_spooled_files() -> None:
    limits = RequestLimits(max_upload_size=100)
    form = Form(files=[("f", "a", "x/y", b"1" * 10), ("g", "b", "x/y", b"2" * 200)])
    reader = BodyReader(CONTENT_TYPE, None, limits)
    opened = _spy_files(reader)
    with pytest.raises(RequestDataTooBig):
        reader.feed(form.encode())
    assert opened
    assert all(file.closed for file in opened)


def test_close_before_finish_releases_files() -> None:
    raw = Form(files=[("f", "a", "x/y", b"1" * 10)]).encode()
    reader = BodyReader(CONTENT_TYPE, None, RequestLimits())
    opened = _spy_files(reader)
    reader.feed(raw[:-30])
    reader.close()
    reader.close()
    assert opened
    assert all(file.closed for file in opened)


def test_close_after_finish_leaves_files_to_the_body() -> None:
    reader = BodyReader(CONTENT_TYPE, None, RequestLimits())
    reader.feed(Form(files=[("f", "a", "x/y", b"data")]).encode())
    body = reader.finish()
    reader.close()
    assert body.files is not None
    assert body.files["f"].read() == b"data"
    body.close()
    assert body.files["f"].closed


def _spy_files(reader: BodyReader) -> list[IO[bytes]]:
    # The reader's own list empties on close; keep references to check them afterwards.
    multipart = reader._multipart
    assert multipart is not None
    seen: list[IO[bytes]] = []
    original = multipart._start_file

    def spying(*args: object) -> object:
        part = original(*args)  # type: ignore[arg-type]
        seen.append(part.file)
        return part

    multipart._start_file = spying  # type: ignore[method-assign,assignment]
    return seen


form_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters='"\r\n\\'),
    max_size=12,
)
forms = st.builds(
    Form,
    fields=st.lists(st.tuples(form_text.filter(bool), st.text(max_size=30)), max_size=4),
    files=st.lists(
        st.tuples(
            form_text.filter(bool),
            st.from_regex(r"[A-Za-z0-9_]{1,10}\.[a-z]{1,3}", fullmatch=True),
            st.sampled_from(["text/plain", "application/octet-stream"]),
            st.binary(max_size=300),
        ),
        max_size=3,
    ),
)


def snapshot(body: RequestBody) -> tuple[object, object]:
    assert body.post is not None
    result = list(body.post.lists()), files_of(body)
    body.close()
    return result


@settings(max_examples=200)
@given(forms, st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_any_chunking_yields_the_same_form(form: Form, cuts: list[int]) -> None:
    raw = form.encode()
    whole = snapshot(parse(raw, RequestLimits(file_upload_max_memory_size=64)))
    reader = BodyReader(CONTENT_TYPE, None, RequestLimits(file_upload_max_memory_size=64))
    points = sorted({min(cut, len(raw)) for cut in cuts} | {0, len(raw)})
    for start, end in itertools.pairwise(points):
        reader.feed(raw[start:end])
    assert snapshot(reader.finish()) == whole


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=200), max_size=6), st.booleans())
def test_arbitrary_bytes_raise_only_request_errors(chunks: list[bytes], prefix: bool) -> None:
    limits = RequestLimits(
        data_upload_max_memory_size=300,
        max_upload_size=300,
        data_upload_max_number_fields=3,
        data_upload_max_number_files=2,
        data_upload_max_number_parts=4,
    )
    if prefix:
        chunks = [f"--{BOUNDARY}\r\n".encode(), *chunks]
    reader = BodyReader(CONTENT_TYPE, None, limits)
    try:
        for chunk in chunks:
            reader.feed(chunk)
        reader.finish().close()
    except (BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, TooManyPartsSent):
        pass
    finally:
        reader.close()


@settings(max_examples=200)
@given(forms, st.integers(min_value=1, max_value=400), st.binary(min_size=1, max_size=5))
def test_corrupted_valid_body_raises_only_request_errors(
    form: Form, position: int, noise: bytes
) -> None:
    raw = form.encode()
    position = min(position, len(raw))
    corrupted = raw[:position] + noise + raw[position:]
    with contextlib.suppress(
        BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, TooManyPartsSent
    ):
        parse(corrupted, chunk_size=7).close()


# Every part counts, kept or skipped: a body of many small parts is refused at the limit.

UNNAMED = f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode()
HEADERLESS = f"--{BOUNDARY}\r\n\r\nx\r\n".encode()
OTHER_DISPOSITION = (
    f'--{BOUNDARY}\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n'.encode()
)
EMPTY_FILENAME = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename=""\r\n\r\n\r\n'.encode()
)
CLOSE = f"--{BOUNDARY}--\r\n".encode()
NO_COUNTS = RequestLimits(
    data_upload_max_number_fields=None,
    data_upload_max_number_files=None,
    data_upload_max_number_parts=None,
)


@pytest.mark.parametrize("part", [UNNAMED, HEADERLESS, OTHER_DISPOSITION])
def test_parts_without_a_form_data_name_count_as_fields(part: bytes) -> None:
    limits = RequestLimits(data_upload_max_number_fields=3)
    parse(part * 3 + CLOSE, limits).close()
    with pytest.raises(TooManyFieldsSent, match="more than 3 fields"):
        parse(part * 4 + CLOSE, limits)


def test_empty_filename_parts_count_as_files() -> None:
    limits = RequestLimits(data_upload_max_number_files=2)
    assert not parse(EMPTY_FILENAME * 2 + CLOSE, limits).files
    with pytest.raises(TooManyFilesSent, match="more than 2 files"):
        parse(EMPTY_FILENAME * 3 + CLOSE, limits)


def test_parts_over_the_part_limit_raise_whatever_they_are() -> None:
    limits = RequestLimits(
        data_upload_max_number_fields=None,
        data_upload_max_number_files=None,
        data_upload_max_number_parts=4,
    )
    field = Form(fields=[("a", "1")]).encode()[: -len(CLOSE)]
    parse(field + UNNAMED + EMPTY_FILENAME + HEADERLESS + CLOSE, limits).close()
    with pytest.raises(
        TooManyPartsSent, match=r"more than 4 parts \(data_upload_max_number_parts\)"
    ):
        parse(field + UNNAMED + EMPTY_FILENAME + HEADERLESS + field + CLOSE, limits)


def test_part_over_the_limit_is_refused_at_its_boundary_before_its_headers() -> None:
    limits = dataclasses.replace(NO_COUNTS, data_upload_max_number_parts=2)
    reader = BodyReader(CONTENT_TYPE, None, limits)
    reader.feed(UNNAMED * 2)
    with pytest.raises(TooManyPartsSent):
        reader.feed(f"--{BOUNDARY}\r\n".encode())


def test_many_part_body_is_refused_within_the_first_chunks_past_the_limit() -> None:
    # A million-part bomb must cost what the limit's worth of parts costs, not the body.
    raw = UNNAMED * 200_000 + CLOSE
    fed, refusal = feed_until_refused(BodyReader(CONTENT_TYPE, len(raw), RequestLimits()), raw)
    assert isinstance(refusal, TooManyFieldsSent)
    assert fed <= len(UNNAMED) * 1001 + 65536


def feed_until_refused(reader: BodyReader, raw: bytes, step: int = 65536) -> tuple[int, Exception]:
    """Feed `raw` as a server would; return the bytes fed when it was refused, and why."""
    for start in range(0, len(raw), step):
        try:
            reader.feed(raw[start : start + step])
        except (BadRequest, SuspiciousOperation) as exc:
            return start + step, exc
    pytest.fail("the whole body was accepted")


def test_part_with_too_many_headers_raises_badrequest() -> None:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'.encode()
    extra = b"X-A: 1\r\n" * (MAX_PART_HEADERS - 1)
    parse(head + extra + b"\r\nv\r\n" + CLOSE).close()
    with pytest.raises(MultiPartParserError, match="Malformed multipart body"):
        parse(head + extra + b"X-B: 2\r\n\r\nv\r\n" + CLOSE)


def test_part_headers_over_the_size_cap_raise_badrequest() -> None:
    # Several headers, each short enough for python-multipart's per-line cap.
    count = MAX_PART_HEADERS - 1
    line = b"X-A: " + b"y" * (MAX_PART_HEADER_SIZE // count) + b"\r\n"
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'.encode()
    reader = BodyReader(CONTENT_TYPE, None, RequestLimits())
    with pytest.raises(MultiPartParserError, match=f"larger than {MAX_PART_HEADER_SIZE} bytes"):
        reader.feed(head + line * count)


def test_part_header_bytes_count_against_the_form_memory_limit() -> None:
    limits = dataclasses.replace(NO_COUNTS, data_upload_max_memory_size=1000)
    header_bytes = len("Content-Disposition") + len("form-data")
    parse(UNNAMED * (1000 // header_bytes) + CLOSE, limits).close()
    with pytest.raises(RequestDataTooBig, match="part headers"):
        parse(UNNAMED * (1000 // header_bytes + 1) + CLOSE, limits)


@pytest.mark.parametrize("header", ["Content-Disposition", "Content-Type"])
def test_header_with_too_many_parameters_raises_before_parsing(header: str) -> None:
    def part(semicolons: int) -> bytes:
        padding = ";" * (semicolons - 1)  # one more comes with the name or charset
        return (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'
            f"{padding if header == 'Content-Disposition' else ''}\r\n"
            f"Content-Type: text/plain; charset=utf-8"
            f"{padding if header == 'Content-Type' else ''}\r\n\r\nv\r\n"
        ).encode()

    assert form_of(parse(part(MAX_HEADER_PARAMETERS) + CLOSE)) == {"a": ["v"]}
    with pytest.raises(MultiPartParserError, match=f"{header.lower()} header has more than"):
        parse(part(MAX_HEADER_PARAMETERS + 1) + CLOSE)


# Parts of every kind, in any order: the counts are all that decides acceptance.

PART_KINDS: dict[str, tuple[bytes, str]] = {
    "field": (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n'.encode(),
        "field",
    ),
    "file": (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nx\r\n".encode(),
        "file",
    ),
    "empty filename": (EMPTY_FILENAME, "file"),
    "unnamed": (UNNAMED, "field"),
    "headerless": (HEADERLESS, "field"),
    "other disposition": (OTHER_DISPOSITION, "field"),
    "unnamed file": (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; filename="a.txt"\r\n\r\nx\r\n'.encode(),
        "file",
    ),
}
limit = st.one_of(st.none(), st.integers(min_value=0, max_value=6))


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(sorted(PART_KINDS)), max_size=10),
    limit,
    limit,
    limit,
    st.integers(min_value=1, max_value=200),
)
def test_any_parts_are_accepted_exactly_when_every_count_is_within_its_limit(
    kinds: list[str], parts: int | None, fields: int | None, files: int | None, chunk: int
) -> None:
    limits = RequestLimits(
        data_upload_max_number_parts=parts,
        data_upload_max_number_fields=fields,
        data_upload_max_number_files=files,
    )
    counts = {"field": 0, "file": 0}
    for kind in kinds:
        counts[PART_KINDS[kind][1]] += 1
    within = (
        (parts is None or len(kinds) <= parts)
        and (fields is None or counts["field"] <= fields)
        and (files is None or counts["file"] <= files)
    )
    raw = b"".join(PART_KINDS[kind][0] for kind in kinds) + CLOSE
    try:
        body = parse(raw, limits, chunk_size=chunk)
    except (TooManyPartsSent, TooManyFieldsSent, TooManyFilesSent):
        assert not within
    else:
        assert within
        assert body.post is not None
        assert body.files is not None
        assert len(body.post.getlist("a")) == kinds.count("field")
        assert len(body.files.getlist("f")) == kinds.count("file")
        body.close()


part_header = st.sampled_from(
    [
        b"Content-Disposition: form-data",
        b'Content-Disposition: form-data; name="a"',
        b'Content-Disposition: form-data; name="f"; filename="a.txt"',
        b'Content-Disposition: form-data; name="f"; filename=""',
        b"Content-Disposition: attachment",
        b"Content-Type: text/plain; charset=idna",
        b"Content-Type: text/plain" + b";" * 20,
        b"X-Long: " + b"y" * 5000,
        b"X-A: 1",
    ]
)
any_part = st.builds(
    lambda headers, data: (
        f"--{BOUNDARY}\r\n".encode()
        + b"".join(header + b"\r\n" for header in headers)
        + b"\r\n"
        + data
        + b"\r\n"
    ),
    st.lists(part_header, max_size=10),
    st.binary(max_size=50),
)


@settings(max_examples=300)
@given(st.lists(any_part, max_size=8), limit, st.integers(min_value=1, max_value=300))
def test_any_parts_raise_only_request_errors_and_never_pass_the_part_limit(
    parts: list[bytes], part_limit: int | None, chunk: int
) -> None:
    limits = RequestLimits(
        data_upload_max_memory_size=2000,
        data_upload_max_number_fields=None,
        data_upload_max_number_files=None,
        data_upload_max_number_parts=part_limit,
    )
    try:
        body = parse(b"".join(parts) + CLOSE, limits, chunk_size=chunk)
    except (BadRequest, SuspiciousOperation):
        return
    assert part_limit is None or len(parts) <= part_limit
    body.close()


def test_multipart_parser_error_is_a_bad_request_importable_where_django_has_it() -> None:
    from legato.http import MultiPartParserError as from_http
    from legato.http.multipart import MultiPartParserError as from_multipart

    assert from_http is from_multipart is MultiPartParserError
    assert issubclass(MultiPartParserError, BadRequest)


def test_broken_multipart_is_answered_400() -> None:
    from legato import App
    from legato.http import HttpResponse
    from legato.test import Client
    from legato.urls import path

    async def form(request: object) -> HttpResponse:
        return HttpResponse("unreachable")

    raw = Form(fields=[("a", "1")]).encode()[:-20]
    with Client(App([path("form/", form)]), raise_request_exception=False) as client:
        response = client.post("/form/", raw, content_type=CONTENT_TYPE.decode())
    assert response.status_code == 400
    assert b"Malformed multipart body" in response.content

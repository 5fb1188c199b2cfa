from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http.multipart import UploadedFile, sanitize_file_name


def upload(data: bytes, name: str = "a.txt") -> UploadedFile:
    return UploadedFile(io.BytesIO(data), name, "text/plain", len(data), "utf-8")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\file.txt", "file.txt"),
        ("dir/..", ""),
        ("..", ""),
        (".", ""),
        ("", ""),
        ("na\x00me\x7f.txt", "name.txt"),
        ("&lt;b&gt;.html", "<b>.html"),
        ("x" * 300 + ".tar.gz", "x" * 252 + ".gz"),
    ],
)
def test_sanitize_file_name_strips_paths_and_controls(raw: str, expected: str) -> None:
    assert sanitize_file_name(raw) == expected


@given(st.text())
def test_sanitize_file_name_never_leaves_a_path(raw: str) -> None:
    name = sanitize_file_name(raw)
    assert "/" not in name
    assert "\\" not in name
    assert name not in (".", "..")
    assert len(name) <= 255


def test_uploaded_file_exposes_django_attributes() -> None:
    file = UploadedFile(
        io.BytesIO(b"abc"),
        "dir/a.txt",
        "text/plain",
        3,
        "utf-8",
        {"charset": "utf-8"},
        field_name="doc",
    )
    assert file.name == "a.txt"
    assert str(file) == "a.txt"
    assert repr(file) == "<UploadedFile: a.txt (text/plain)>"
    assert file.size == len(file) == 3
    assert file.content_type == "text/plain"
    assert file.charset == "utf-8"
    assert file.content_type_extra == {"charset": "utf-8"}
    assert file.field_name == "doc"
    assert bool(file)


def test_size_is_measured_when_not_given() -> None:
    file = UploadedFile(io.BytesIO(b"12345"), "a")
    file.read(2)
    assert file.size == 5
    assert file.tell() == 2


def test_read_seek_and_tell_proxy_the_file() -> None:
    file = upload(b"hello\nworld\n")
    assert file.read(5) == b"hello"
    assert file.tell() == 5
    file.seek(0)
    assert file.readline() == b"hello\n"
    assert file.readlines() == [b"world\n"]
    assert file.readable()
    assert file.seekable()


def test_chunks_start_from_the_beginning() -> None:
    file = upload(b"abcdefghij")
    file.read(3)
    assert list(file.chunks(4)) == [b"abcd", b"efgh", b"ij"]
    assert b"".join(file.chunks()) == b"abcdefghij"


def test_multiple_chunks_compares_size_with_chunk_size() -> None:
    file = upload(b"x" * 10)
    assert file.multiple_chunks(4)
    assert not file.multiple_chunks(10)
    assert not file.multiple_chunks()


def test_iteration_yields_lines_across_chunk_boundaries() -> None:
    file = upload(b"one\r\ntwo\nthree\rfour")
    file.DEFAULT_CHUNK_SIZE = 4  # split "\r\n" and the lines between chunks
    assert list(file) == [b"one\r\n", b"two\n", b"three\r", b"four"]


@given(st.binary(max_size=200), st.integers(min_value=1, max_value=16))
def test_iteration_matches_splitlines_for_any_chunking(data: bytes, chunk_size: int) -> None:
    file = upload(data)
    file.DEFAULT_CHUNK_SIZE = chunk_size
    assert list(file) == data.splitlines(keepends=True)


def test_open_rewinds_and_close_closes() -> None:
    file = upload(b"data")
    file.read()
    assert file.open() is file
    assert file.read() == b"data"
    with file as same:
        assert same is file
    assert file.closed
    with pytest.raises(ValueError, match="cannot be reopened"):
        file.open()


def test_file_without_content_explains_itself() -> None:
    file = UploadedFile(name="a.txt")
    assert file.closed
    with pytest.raises(ValueError, match="has no file"):
        file.read()

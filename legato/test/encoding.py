"""Encode test-client data the way Django's client does: query strings and bodies.

A dict posted with the default content type becomes multipart/form-data (file objects
become file parts); a dict or list sent as `application/json` is JSON-encoded; str and
bytes are sent as they are.
"""

from __future__ import annotations

import mimetypes
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import orjson

__all__ = ["MULTIPART_CONTENT", "encode_body", "encode_multipart", "encode_query"]

BOUNDARY = "BoUnDaRyLeGaTo" + uuid.UUID(int=0).hex[:8]
MULTIPART_CONTENT = f"multipart/form-data; boundary={BOUNDARY}"


def encode_query(data: Any) -> str:
    if isinstance(data, str):
        return data
    items = data.items() if isinstance(data, Mapping) else data
    pairs = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(key, "" if item is None else str(item)) for item in values]
    return urlencode(pairs)


def encode_body(data: Any, content_type: str | None) -> tuple[bytes, str | None]:
    if data is None or data == "":
        return b"", content_type
    if isinstance(data, bytes):
        return data, content_type
    if isinstance(data, str):
        return data.encode("utf-8"), content_type
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT
    if media_type == "application/json" or media_type.endswith("+json"):
        return orjson.dumps(data), content_type
    if media_type == "application/x-www-form-urlencoded":
        return encode_query(data).encode("ascii"), content_type
    raise TypeError(
        f"Cannot encode {type(data).__name__} as {content_type!r}; pass str or bytes, or use "
        "content_type='application/json' or the default multipart encoding."
    )


def encode_multipart(boundary: str, data: Mapping[str, Any]) -> bytes:
    lines: list[bytes] = []
    for key, value in data.items():
        values = value if _is_list(value) else [value]
        for item in values:
            lines += _part(boundary, key, item)
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)


def _is_list(value: Any) -> bool:
    return (
        isinstance(value, Iterable) and not isinstance(value, str | bytes) and not _is_file(value)
    )


def _is_file(value: Any) -> bool:
    return hasattr(value, "read") and callable(value.read)


def _part(boundary: str, key: str, value: Any) -> list[bytes]:
    if _is_file(value):
        filename = os.path.basename(getattr(value, "name", "") or "upload.bin")
        content = value.read()
        if isinstance(content, str):
            content = content.encode("utf-8")
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{key}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    text = value if isinstance(value, bytes) else str(value).encode("utf-8")
    return [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{key}"'.encode(),
        b"",
        text,
    ]

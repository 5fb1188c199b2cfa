"""Turn session data into bytes and back: JSON through orjson, never pickle.

A session holds what a view puts in it; with pickle, whoever can write session data (a
leaked secret key, a shared Redis) could run code on the server. JSON can only describe
data. orjson also writes datetimes, UUIDs and dataclasses, but reads them back as strings,
as Django's JSONSerializer does: store plain values.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

__all__ = ["decode", "decode_stored", "encode"]


def encode(data: dict[str, Any]) -> bytes:
    """`data` as JSON bytes; a TypeError names a value JSON cannot hold."""
    return orjson.dumps(data)


def decode(raw: bytes | str) -> dict[str, Any] | None:
    """The dict in `raw`, or None when it is not JSON or not an object."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def decode_stored(raw: bytes | str) -> dict[str, Any] | None:
    """`decode` for data a store kept: what is not a JSON object is refused and logged
    (at DEBUG on legato.security.sessions), and the session starts empty."""
    data = decode(raw)
    if data is None:
        logging.getLogger("legato.security.sessions").debug(
            "Session data refused: not a JSON object"
        )
    return data

"""Encode Python values as JSON bytes: orjson first, the json module when it must.

Output matches Django's DjangoJSONEncoder for the types it knows: datetimes and times
cut to milliseconds with "Z" for UTC, dates in ISO 8601, timedeltas as ISO 8601
durations, Decimals and UUIDs as strings. orjson also serializes dataclasses, enums and
non-str dict keys. What orjson refuses (ints beyond 64 bits, nesting deeper than 254)
is retried with the json module, so the fast path never narrows what can be encoded.
Nothing here knows about responses.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson

__all__ = [
    "LegatoJSONEncoder",
    "dumps",
    "dumps_for_response",
    "duration_iso_string",
    "loads",
    "to_json_value",
]

# Django cuts datetimes to milliseconds, which orjson cannot do: datetimes go to `default`.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
# Non-str keys cost orjson about 70% more on every dict, so they are only turned on
# for the payloads that need them (see `dumps`).
_WIDE_OPTIONS = _OPTIONS | orjson.OPT_NON_STR_KEYS
# The json_dumps_params that orjson can honour; any other goes to the json module.
_ORJSON_PARAMS = {"indent": (2,), "sort_keys": (True, False), "ensure_ascii": (False,)}

loads: Callable[[bytes | bytearray | memoryview | str], Any] = orjson.loads


def _datetime_text(value: datetime.datetime) -> str:
    text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _time_text(value: datetime.time) -> str:
    if value.utcoffset() is not None:
        raise ValueError(
            f"JSON can't represent timezone-aware times (got {value!r}); "
            "send a naive time or a datetime instead."
        )
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def duration_iso_string(value: datetime.timedelta) -> str:
    """Format a timedelta as Django does: "P1DT02H03M04.000005S", "-" in front if negative."""
    sign = "-" if value < datetime.timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    fraction = f".{value.microseconds:06d}" if value.microseconds else ""
    return f"{sign}P{value.days}DT{hours:02d}H{minutes:02d}M{seconds:02d}{fraction}S"


_CONVERTERS: dict[type, Callable[[Any], object]] = {
    datetime.datetime: _datetime_text,
    datetime.date: datetime.date.isoformat,
    datetime.time: _time_text,
    datetime.timedelta: duration_iso_string,
    decimal.Decimal: str,
    uuid.UUID: str,
}


def to_json_value(value: object) -> object:
    """Return a JSON-ready stand-in for `value`, or raise TypeError naming its type."""
    convert = _CONVERTERS.get(type(value))
    if convert is not None:
        return convert(value)
    for kind, convert in _CONVERTERS.items():  # subclasses: slower, and rare
        if isinstance(value, kind):
            return convert(value)
    # Only the json module reaches these two: orjson handles them natively.
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    raise TypeError(
        f"Object of type {type(value).__name__} is not JSON serializable: convert it to "
        "a str, number, list or dict first, or pass encoder= a json.JSONEncoder subclass "
        "that handles it."
    )


class LegatoJSONEncoder(json.JSONEncoder):
    """The json-module twin of `dumps`, for code that needs a JSONEncoder class."""

    def default(self, o: object) -> object:
        return to_json_value(o)


def dumps(value: object, *, indent: bool = False, sort_keys: bool = False) -> bytes:
    """Encode `value` as compact UTF-8 JSON (two-space indented if `indent`)."""
    option = _OPTIONS
    if indent:
        option |= orjson.OPT_INDENT_2
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    try:
        return orjson.dumps(value, default=to_json_value, option=option)
    except TypeError:
        pass
    try:
        return orjson.dumps(value, default=to_json_value, option=option | _WIDE_OPTIONS)
    except TypeError:
        # orjson refuses big ints and very deep nesting that the json module accepts;
        # for a truly unserializable value this raises the TypeError naming the type.
        return _stdlib_dumps(value, indent=indent, sort_keys=sort_keys)


def _stdlib_dumps(value: object, *, indent: bool, sort_keys: bool) -> bytes:
    text = json.dumps(
        value,
        cls=LegatoJSONEncoder,
        ensure_ascii=False,
        indent=2 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
        sort_keys=sort_keys,
    )
    return text.encode("utf-8")


def dumps_for_response(
    value: object,
    encoder: type[json.JSONEncoder] | None = None,
    params: Mapping[str, Any] | None = None,
) -> bytes:
    """Encode `value` as JsonResponse does: orjson unless `encoder`/`params` need json."""
    if encoder is None and not params:
        try:
            return orjson.dumps(value, default=to_json_value, option=_OPTIONS)
        except TypeError:
            return dumps(value)  # the slower retries live there
    if encoder is None and _orjson_can_honour(params):
        return dumps(
            value,
            indent=bool(params and params.get("indent")),
            sort_keys=bool(params and params.get("sort_keys")),
        )
    # Django code passing its own encoder or exotic params gets exactly json.dumps.
    text = json.dumps(value, cls=encoder or LegatoJSONEncoder, **(params or {}))
    return text.encode("utf-8")


def _orjson_can_honour(params: Mapping[str, Any] | None) -> bool:
    if not params:
        return True
    return all(value in _ORJSON_PARAMS.get(name, ()) for name, value in params.items())

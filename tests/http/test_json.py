"""Tests for JSON encoding (orjson with a json-module fallback) and JsonResponse."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.http import _json
from legato.http.response import JsonResponse


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Opaque:
    pass


def body(response: JsonResponse) -> Any:
    return json.loads(response.content)


# ---------------------------------------------------------------- JsonResponse


def test_json_response_serializes_a_dict() -> None:
    response = JsonResponse({"message": "Hello", "n": 1})
    assert response.content == b'{"message":"Hello","n":1}'
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(len(response.content))
    assert response.status_code == 200


def test_json_response_safe_rule_refuses_non_dicts() -> None:
    with pytest.raises(
        TypeError,
        match=re.escape(
            "In order to allow non-dict objects to be serialized set the safe parameter to False."
        ),
    ):
        JsonResponse([1, 2])


def test_json_response_unsafe_accepts_any_value() -> None:
    assert JsonResponse([1, 2], safe=False).content == b"[1,2]"
    assert JsonResponse("x", safe=False).content == b'"x"'
    assert JsonResponse(None, safe=False).content == b"null"


def test_json_response_special_types_like_django() -> None:
    data = {
        "datetime": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
        "utc": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
        "offset": datetime.datetime(
            2024, 5, 6, 7, 8, 9, 5000, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        "date": datetime.date(2024, 5, 6),
        "time": datetime.time(7, 8, 9, 123456),
        "time_whole": datetime.time(7, 8),
        "duration": datetime.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "decimal": decimal.Decimal("1.10"),
    }
    assert body(JsonResponse(data)) == {
        "datetime": "2024-05-06T07:08:09.123",
        "utc": "2024-05-06T07:08:09Z",
        "offset": "2024-05-06T07:08:09.005+02:00",
        "date": "2024-05-06",
        "time": "07:08:09.123",
        "time_whole": "07:08:00",
        "duration": "P1DT02H03M04.000005S",
        "uuid": "12345678-1234-5678-1234-567812345678",
        "decimal": "1.10",
    }


def test_json_response_dataclasses_and_enums() -> None:
    data = {"point": Point(1, 2), "color": Color.RED, "level": Level.HIGH}
    assert body(JsonResponse(data)) == {"point": {"x": 1, "y": 2}, "color": "red", "level": 3}


def test_json_response_non_str_keys() -> None:
    key = uuid.UUID(int=1)
    data = {1: "int", 2.5: "float", None: "none", Color.RED: "enum", key: "uuid"}
    assert body(JsonResponse(data)) == {
        "1": "int",
        "2.5": "float",
        "null": "none",
        "red": "enum",
        str(key): "uuid",
    }
    assert body(JsonResponse({False: "bool"})) == {"false": "bool"}


def test_json_response_unserializable_names_the_type() -> None:
    with pytest.raises(TypeError, match="Object of type Opaque is not JSON serializable"):
        JsonResponse({"x": Opaque()})


def test_json_response_aware_time_is_an_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware times"):
        JsonResponse({"t": datetime.time(1, tzinfo=datetime.UTC)})


def test_json_response_big_ints_fall_back_to_json_module() -> None:
    assert body(JsonResponse({"n": 2**70})) == {"n": 2**70}


def test_json_response_very_deep_nesting_falls_back_to_json_module() -> None:
    data: Any = []
    for _ in range(300):
        data = [data]
    assert json.loads(JsonResponse(data, safe=False).content) == data


def test_json_response_indent_2_uses_orjson_indent() -> None:
    response = JsonResponse({"a": [1]}, json_dumps_params={"indent": 2})
    assert response.content == b'{\n  "a": [\n    1\n  ]\n}'


def test_json_response_sort_keys_and_ensure_ascii_false() -> None:
    response = JsonResponse({"b": "é", "a": 1}, json_dumps_params={"sort_keys": True})
    assert response.content == '{"a":1,"b":"é"}'.encode()
    response = JsonResponse({"b": "é"}, json_dumps_params={"ensure_ascii": False})
    assert response.content == '{"b":"é"}'.encode()


def test_json_response_other_params_use_json_module() -> None:
    response = JsonResponse({"a": 1, "b": "é"}, json_dumps_params={"separators": (",", "=")})
    assert response.content == b'{"a"=1,"b"="\\u00e9"}'
    response = JsonResponse({"d": decimal.Decimal("2.5")}, json_dumps_params={"indent": 4})
    assert body(response) == {"d": "2.5"}


def test_json_response_custom_encoder_is_used() -> None:
    class Encoder(json.JSONEncoder):
        def default(self, o: object) -> object:
            if isinstance(o, Opaque):
                return "opaque"
            return super().default(o)

    response = JsonResponse({"x": Opaque()}, encoder=Encoder)
    assert response.content == b'{"x": "opaque"}'  # json.dumps' own formatting


def test_json_response_accepts_response_options() -> None:
    response = JsonResponse(
        {"a": 1}, status=201, headers={"X-A": "1"}, content_type="application/vnd.api+json"
    )
    assert response.status_code == 201
    assert response["X-A"] == "1"
    assert response["Content-Type"] == "application/vnd.api+json"


# ---------------------------------------------------------------- _json helpers


def test_dumps_matches_json_module_for_plain_data() -> None:
    data = {"a": [1, 2.5, None, True], "b": {"c": "d"}}
    assert json.loads(_json.dumps(data)) == data


def test_dumps_unserializable_nested_value_names_the_type() -> None:
    with pytest.raises(TypeError, match="Opaque"):
        _json.dumps({"a": [1, {"b": Opaque()}]})


def test_encoder_class_handles_the_same_types() -> None:
    data = {"d": decimal.Decimal("1.5"), "p": Point(1, 2), "c": Color.RED}
    assert json.loads(json.dumps(data, cls=_json.LegatoJSONEncoder)) == {
        "d": "1.5",
        "p": {"x": 1, "y": 2},
        "c": "red",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.timedelta(0), "P0DT00H00M00S"),
        (datetime.timedelta(seconds=1), "P0DT00H00M01S"),
        (datetime.timedelta(days=-1, seconds=86399), "-P0DT00H00M01S"),
        (datetime.timedelta(days=-2, hours=1), "-P1DT23H00M00S"),
        (datetime.timedelta(microseconds=-1), "-P0DT00H00M00.000001S"),
    ],
)
def test_duration_iso_string(value: datetime.timedelta, expected: str) -> None:
    assert _json.duration_iso_string(value) == expected


def test_loads_reads_bytes_and_str() -> None:
    assert _json.loads(b'{"a":1}') == {"a": 1}
    assert _json.loads('{"a":1}') == {"a": 1}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(value=json_values)
def test_dumps_round_trips_json_values(value: Any) -> None:
    assert json.loads(_json.dumps(value)) == value


@given(value=st.datetimes(timezones=st.none() | st.just(datetime.UTC)))
def test_dumps_datetimes_match_django_format(value: datetime.datetime) -> None:
    text = json.loads(_json.dumps(value))
    parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed == value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert text.endswith("Z") == (value.tzinfo is not None)

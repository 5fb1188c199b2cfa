"""Pretend to be three upstream APIs, with the latency and failures the query asks for.

`GET upstream/<name>/?city=Paris&delay=0.3&fail=0` answers `name`'s JSON for the city
after `delay` seconds. `fail` picks a failure instead: an HTTP status (500, 503, ...),
"json" (a body that is not JSON) or "hang" (no answer at all: the caller's deadline cuts
it). `<name>_delay` and `<name>_fail` take precedence for that upstream only, so a query
forwarded to all of them can make one slow and another fail:
`dashboard/?weather_delay=5&news_fail=503`. Nothing here knows about the aggregator: it
is reached over HTTP, like any API.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from legato.http.request import HttpRequest
from legato.http.response import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse

__all__ = ["MAX_DELAY", "SAMPLES", "Behaviour", "parse_behaviour", "simulated_api"]

MAX_DELAY = 30.0
_SKIES = ("clear", "cloudy", "rain", "fog", "snow")
_CONGESTION = ("low", "moderate", "heavy")


def _seed(city: str) -> int:
    # Not hash(): it changes between processes, and the demo's answers should not.
    return sum(map(ord, city))


def _weather(city: str) -> dict[str, Any]:
    seed = _seed(city)
    return {"city": city, "temperature_c": 5 + seed % 25, "sky": _SKIES[seed % len(_SKIES)]}


def _news(city: str) -> dict[str, Any]:
    return {
        "city": city,
        "headlines": [f"{city} opens a new library", f"Night trams return to {city}"],
    }


def _traffic(city: str) -> dict[str, Any]:
    seed = _seed(city)
    return {"city": city, "congestion": _CONGESTION[seed % 3], "incidents": seed % 4}


SAMPLES: dict[str, Callable[[str], dict[str, Any]]] = {
    "weather": _weather,
    "news": _news,
    "traffic": _traffic,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Behaviour:
    """What one simulated call does: wait `delay` seconds, then answer or fail."""

    delay: float = 0.0
    status: int = 200
    invalid_json: bool = False
    hang: bool = False


def parse_behaviour(query: Mapping[str, str], name: str) -> Behaviour:
    """Read `delay` and `fail` (or `<name>_delay`, `<name>_fail`); ValueError if bad."""
    delay_text = query.get(f"{name}_delay") or query.get("delay") or "0"
    fail = (query.get(f"{name}_fail") or query.get("fail") or "0").strip().lower()
    delay = _parse_delay(delay_text)
    if fail in ("0", "", "no"):
        return Behaviour(delay)
    if fail == "json":
        return Behaviour(delay, invalid_json=True)
    if fail == "hang":
        return Behaviour(delay, hang=True)
    if fail.isascii() and fail.isdigit() and 400 <= int(fail) <= 599:
        return Behaviour(delay, status=int(fail))
    raise ValueError(
        f"fail={fail!r} is not understood; use 0, an HTTP error status (400-599), "
        "'json' (a body that is not JSON) or 'hang' (never answer)."
    )


def _parse_delay(text: str) -> float:
    try:
        delay = float(text)
    except ValueError:
        raise ValueError(f"delay={text!r} is not a number of seconds.") from None
    if not 0 <= delay <= MAX_DELAY:
        raise ValueError(f"delay={text!r} must be between 0 and {MAX_DELAY:g} seconds.")
    return delay


async def simulated_api(request: HttpRequest, name: str) -> HttpResponse:
    sample = SAMPLES.get(name)
    if sample is None:
        raise Http404(f"There is no simulated upstream {name!r}; try one of {sorted(SAMPLES)}.")
    try:
        behaviour = parse_behaviour(request.GET, name)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    await asyncio.sleep(behaviour.delay)
    if behaviour.hang:
        await asyncio.Event().wait()  # until the caller gives up and disconnects
    if behaviour.invalid_json:
        return HttpResponse("<html>Service temporarily unavailable</html>")
    if behaviour.status != 200:
        return JsonResponse({"error": f"simulated failure of {name}"}, status=behaviour.status)
    return JsonResponse(sample(request.GET.get("city") or "Paris"))

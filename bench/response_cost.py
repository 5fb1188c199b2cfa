"""What building and sending a response costs, in-process: `python -m bench.response_cost`.

Each case is timed with timeit (best of `--repeat` runs of `--number` calls) and printed
in microseconds per call. The `handler` cases do what the ASGI handler does with a view's
response (`asgi_headers()`, `content`, `close()`); `with defaults` applies the two
`DefaultHeaders` of `DEFAULT_MIDDLEWARE` first (through `apply`, which every version
has, so that a checkout of an older commit runs it too). Run it under the benchmark
lock, from the root of the checkout to measure.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable, Sequence

from legato.http.response import DefaultHeaders, HttpResponse, JsonResponse

__all__ = ["main"]

HELLO = {"message": "Hello, world!"}
SECURITY = DefaultHeaders(
    {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
)
FRAME = DefaultHeaders({"X-Frame-Options": "DENY"})


def json_response() -> None:
    JsonResponse(HELLO)


def json_asgi_headers() -> None:
    JsonResponse(HELLO).asgi_headers()


def json_handler() -> None:
    _as_the_handler_does(JsonResponse(HELLO))


def json_handler_with_defaults() -> None:
    response = JsonResponse(HELLO)
    SECURITY.apply(response)
    FRAME.apply(response)
    _as_the_handler_does(response)


def json_with_a_header_asgi_headers() -> None:
    response = JsonResponse(HELLO)
    response["X-Request-Id"] = "abc"
    response.asgi_headers()


def json_with_status_asgi_headers() -> None:
    JsonResponse(HELLO, status=201).asgi_headers()


def html_asgi_headers() -> None:
    HttpResponse("<p>hi</p>").asgi_headers()


def _as_the_handler_does(response: HttpResponse) -> None:
    response.asgi_headers()
    _ = response.content
    response.close()


CASES: list[Callable[[], None]] = [
    json_response,
    json_asgi_headers,
    json_handler,
    json_handler_with_defaults,
    json_with_a_header_asgi_headers,
    json_with_status_asgi_headers,
    html_asgi_headers,
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.response_cost")
    parser.add_argument("--number", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args(argv)
    for case in CASES:
        runs = timeit.repeat(case, number=arguments.number, repeat=arguments.repeat)
        print(f"{case.__name__:32s} {min(runs) / arguments.number * 1e6:.3f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

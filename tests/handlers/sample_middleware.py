"""A middleware imported by dotted path in the tests."""

from typing import Any


def add_header(get_response: Any) -> Any:
    async def middleware(request: Any) -> Any:
        response = await get_response(request)
        response["X-Sample"] = "yes"
        return response

    return middleware


add_header.async_capable = True  # type: ignore[attr-defined]
add_header.sync_capable = False  # type: ignore[attr-defined]

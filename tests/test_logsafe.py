"""Request data in log lines: every control character escaped, one record one line."""

from __future__ import annotations

import logging
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato import App
from legato._logsafe import escape_for_log
from legato.http import HttpRequest, HttpResponse
from legato.middleware import CsrfViewMiddleware
from legato.urls import path
from legato.views import View
from legato.views.decorators import require_GET
from tests.parity import ServeBoth

FORGED = "x%0A2026-12-04 INFO forged line%1B[2J%E2%80%A8/"


def _is_line_break_or_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


@given(st.text())
def test_escaped_text_has_no_control_characters(text: str) -> None:
    assert not any(_is_line_break_or_control(char) for char in escape_for_log(text))


@given(st.text(), st.text())
def test_different_texts_stay_different(first: str, second: str) -> None:
    if first != second:
        assert escape_for_log(first) != escape_for_log(second)


def test_printable_and_non_ascii_text_is_kept() -> None:
    assert escape_for_log("/café/ü?x=1") == "/café/ü?x=1"
    assert escape_for_log("a\nb\x1b") == "a\\x0ab\\x1b"


class OnlyGet(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


@require_GET
async def get_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


async def boom(request: HttpRequest, rest: str) -> HttpResponse:
    raise RuntimeError(f"failed for {request.path}")


async def accept(request: HttpRequest, rest: str) -> HttpResponse:
    return HttpResponse("ok")


def app() -> App:
    return App(
        [
            path("view/<str:rest>/", OnlyGet.as_view()),
            path("decorated/<str:rest>/", get_only),
            path("boom/<str:rest>/", boom),
            path("form/<str:rest>/", accept),
        ],
        middleware=[CsrfViewMiddleware],
    )


@pytest.mark.parametrize(
    ("method", "prefix", "headers"),
    [
        ("POST", "/view/", {"sec-fetch-site": "same-origin"}),
        ("POST", "/decorated/", {"sec-fetch-site": "same-origin"}),
        ("GET", "/boom/", {}),
        ("POST", "/form/", {"sec-fetch-site": "cross-site"}),
    ],
)
def test_log_lines_with_a_forged_path_stay_one_line(
    both: ServeBoth,
    caplog: pytest.LogCaptureFixture,
    method: str,
    prefix: str,
    headers: dict[str, str],
) -> None:
    pair = both(app)  # the path reaches the log from the ASGI scope and the WSGI environ
    caplog.set_level(logging.WARNING, logger="legato")
    response = pair.request(method, prefix + FORGED, headers=headers)
    assert response.status in (403, 405, 500)
    records = [record for record in caplog.records if record.name.startswith("legato")]
    # ASGI's lines, then WSGI's: the same lines, but for each request's own id.
    lines = [re.sub(r"request id \w+", "request id", r.getMessage()) for r in records]
    half = len(lines) // 2
    assert lines
    assert lines[:half] == lines[half:]
    for record in records:
        message = record.getMessage()
        assert "\\x0a2026-12-04 INFO forged line\\x1b[2J\\u2028" in message
        assert not any(_is_line_break_or_control(char) for char in message)

"""Render the `debug=True` error page: HTML for browsers, plain text for everything else.

It shows the exception, the traceback with each frame's source line and locals, the
request (method, path, query, headers with cookie and authorization values masked) and
the route that was resolved; for an error raised in a template, the template's name,
line and source around it (the exception's `template_debug`, as Django's page reads it:
legato/templates/debug.py). Only ever used when the app runs with `debug=True`.
"""

from __future__ import annotations

import html
import reprlib
import traceback
from types import TracebackType
from typing import Any

from legato._names import dotted_name
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse

__all__ = ["escape", "response"]

_MASKED_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-api-key"}
_short_repr = reprlib.Repr()
_short_repr.maxstring = 200
_short_repr.maxother = 200


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def response(
    request: HttpRequest, exc: BaseException, status: int, tried: list[str]
) -> HttpResponse:
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return HttpResponse(_html(request, exc, status, tried), status=status)
    return HttpResponse(
        _text(request, exc, status, tried), status=status, content_type="text/plain; charset=utf-8"
    )


def _sections(request: HttpRequest, exc: BaseException, tried: list[str]) -> dict[str, list[str]]:
    match = request.resolver_match
    route = [f"route: {match.route}", f"view: {dotted_name(match.func)}"] if match else []
    headers = [
        f"{name}: {'********' if name.lower() in _MASKED_HEADERS else value}"
        for name, value in request.headers.items()
    ]
    return {
        "Request": [
            f"{request.method} {request.get_full_path()}",
            f"request id: {request.id}",
            *route,
        ],
        "Headers": headers,
        "URL patterns tried": tried,
    }


def _frames(exc: BaseException) -> list[tuple[str, int, str, str, dict[str, str]]]:
    frames = []
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        summary = traceback.FrameSummary(
            frame.f_code.co_filename, tb.tb_lineno, frame.f_code.co_name
        )
        local_values = {name: _short_repr.repr(value) for name, value in frame.f_locals.items()}
        frames.append(
            (summary.filename, tb.tb_lineno, summary.name, summary.line or "", local_values)
        )
        tb = tb.tb_next
    return frames


def _headline(exc: BaseException, status: int) -> str:
    if status == 404:
        return f"Page not found (404): {exc}"
    return f"{type(exc).__name__}: {exc}"


def _text(request: HttpRequest, exc: BaseException, status: int, tried: list[str]) -> str:
    lines = [_headline(exc, status), ""]
    for title, rows in _sections(request, exc, tried).items():
        if rows:
            lines += [f"{title}:", *(f"  {row}" for row in rows), ""]
    template = _template_source(exc)
    if template is not None:
        lines.append(f"Template {template.name}, line {template.line}:")
        lines += [
            f"{'>' if number == template.line else ' '} {number:4} {text}"
            for number, text in template.lines
        ]
        lines.append("")
    if status == 500:
        # Python's own rendering, header line included, one list item per line.
        lines += "".join(traceback.format_exception(exc)).splitlines()
        lines.append("")
    lines.append("You see this page because the app runs with debug=True.")
    return "\n".join(lines) + "\n"


def _html(request: HttpRequest, exc: BaseException, status: int, tried: list[str]) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(_headline(exc, status))}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em}pre{background:#f4f4f4;"
        "padding:.5em;overflow:auto}h1{color:#a00}td{vertical-align:top;padding:0 1em 0 0}"
        "details{margin:.5em 0}mark{background:#fdd;display:block}</style></head><body>",
        f"<h1>{escape(_headline(exc, status))}</h1>",
    ]
    for title, rows in _sections(request, exc, tried).items():
        if rows:
            items = "".join(f"<li><code>{escape(row)}</code></li>" for row in rows)
            parts.append(f"<h2>{escape(title)}</h2><ul>{items}</ul>")
    template = _template_source(exc)
    if template is not None:
        parts.append(_html_template(template))
    if status == 500:
        parts.append("<h2>Traceback</h2>")
        parts += [_html_frame(*frame) for frame in _frames(exc)]
    parts.append("<p><small>You see this page because the app runs with debug=True.</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_frame(
    filename: str, lineno: int, name: str, line: str, local_values: dict[str, str]
) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(key)}</code></td><td><code>{escape(value)}</code></td></tr>"
        for key, value in local_values.items()
    )
    return (
        f"<details><summary><code>{escape(filename)}</code>, line {lineno}, in "
        f"<code>{escape(name)}</code><pre>{escape(line)}</pre></summary>"
        f"<table>{rows}</table></details>"
    )


def _template_source(exc: BaseException) -> Any:
    """Where in a template `exc` was raised (a `TemplateErrorSource`), if it was."""
    return getattr(exc, "template_debug", None)


def _html_template(template: Any) -> str:
    rows = "".join(
        f"<mark>{number:4} {escape(text)}</mark>"
        if number == template.line
        else f"{number:4} {escape(text)}\n"
        for number, text in template.lines
    )
    return (
        f"<h2>Template error</h2><p>In template <code>{escape(template.name)}</code>, "
        f"line {template.line}</p><pre>{rows}</pre>"
    )

"""How long a 1 MB page holds the event loop: `python -m bench.template_render`.

A product table (inheritance, a loop, autoescaped values and a filter per row, as a
real listing has) is rendered through `Templates.render_async` on uvloop until the page
is about `--size` bytes. It prints the median render time of `--rounds` renders, which
is how long the loop is held, since a template that awaits nothing never lets it go;
then, for the same page streamed (`StreamingTemplateResponse`'s chunking), the longest
the loop went without a turn. Run it under the benchmark lock.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import uvloop

from legato.templates import Templates
from legato.templates.chunks import chunks

__all__ = ["main"]

BASE = """<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head>
<body>{% block body %}{% endblock %}</body></html>"""
TABLE = """{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}
{% block body %}<table>
{% for p in products %}<tr class="{{ loop.cycle('odd', 'even') }}"><td>{{ p.sku }}</td>
<td><a href="/products/{{ p.sku }}/">{{ p.name }}</a></td><td>{{ p.price | round(2) }}</td>
<td>{{ p.note }}</td></tr>
{% endfor %}</table>{% endblock %}"""


def products(count: int) -> list[dict[str, object]]:
    return [
        {"sku": f"SKU-{n:06}", "name": f"Product <{n}> & co", "price": n * 1.1, "note": "x" * 40}
        for n in range(count)
    ]


async def measure(templates: Templates, rows: int, rounds: int) -> tuple[int, float, float]:
    context: dict[str, object] = {"title": "Products", "products": products(rows)}
    page = await templates.render_async("table.html", context)  # warm: compiled once
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await templates.render_async("table.html", context)
        times.append(time.perf_counter() - started)
    return len(page.encode()), statistics.median(times), await longest_hold(templates, context)


async def bytes_per_row(templates: Templates) -> int:
    sizes = []
    for rows in (100, 200):
        page = await templates.render_async("table.html", {"products": products(rows)})
        sizes.append(len(page.encode()))
    return (sizes[1] - sizes[0]) // 100


async def longest_hold(templates: Templates, context: dict[str, object]) -> float:
    """The longest the loop went without turning while the page streamed."""
    longest = 0.0
    last = time.perf_counter()
    done = False

    async def tick() -> None:
        nonlocal longest, last
        while not done:
            await asyncio.sleep(0)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    ticker = asyncio.ensure_future(tick())
    async for _ in chunks(templates.generate_async("table.html", context)):
        await asyncio.sleep(0)  # the send
    done = True
    await ticker
    return longest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.template_render")
    parser.add_argument("--size", type=int, default=1_000_000, help="page size in bytes")
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "base.html").write_text(BASE)
        Path(directory, "table.html").write_text(TABLE)
        templates = Templates([directory])
        rows = options.size // uvloop.run(bytes_per_row(templates))
        size, median, hold = uvloop.run(measure(templates, rows, options.rounds))
    print(f"page: {size:,} bytes, {rows:,} rows")
    print(f"render_async: median {median * 1000:.1f} ms over {options.rounds} renders")
    print(f"streamed: the loop went at most {hold * 1000:.2f} ms without a turn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

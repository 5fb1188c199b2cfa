"""bench/url_table.py builds every table shape and checks each resolves its last route.

No thresholds: the figures are for the docs, read on a quiet machine under the
benchmark lock. This only keeps the script from rotting.
"""

from __future__ import annotations

import pytest

from bench.url_table import SHAPES, SIZES, Shape, measure


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.label)
def test_every_table_shape_resolves_its_last_route(shape: Shape) -> None:
    figures = measure(shape, rounds=1, seconds=0.001)
    assert len(figures) == len(SIZES)
    assert all(us > 0 for us in figures)

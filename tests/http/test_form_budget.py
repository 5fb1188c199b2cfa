"""One multipart body's counters: each limit refuses at exactly one past it, None never does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legato.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    TooManyPartsSent,
)
from legato.http._form_budget import MAX_PART_HEADER_SIZE, MAX_PART_HEADERS, FormBudget
from legato.http.body import RequestLimits

COUNTS = [
    ("data_upload_max_number_parts", FormBudget.begin_part, TooManyPartsSent),
    ("data_upload_max_number_fields", FormBudget.field, TooManyFieldsSent),
    ("data_upload_max_number_files", FormBudget.file, TooManyFilesSent),
]


@pytest.mark.parametrize(("setting", "count", "error"), COUNTS)
def test_a_count_refuses_one_past_its_limit_and_names_the_setting(
    setting: str, count: Callable[[FormBudget], None], error: type[Exception]
) -> None:
    budget = FormBudget(RequestLimits(**{setting: 3}))  # type: ignore[arg-type]
    for _ in range(3):
        count(budget)
    with pytest.raises(error, match=f"more than 3 .*\\({setting}\\)"):
        count(budget)


@pytest.mark.parametrize(("setting", "count", "error"), COUNTS)
def test_a_count_without_a_limit_never_refuses(
    setting: str, count: Callable[[FormBudget], None], error: type[Exception]
) -> None:
    budget = FormBudget(RequestLimits(**{setting: None}))  # type: ignore[arg-type]
    for _ in range(10_000):
        count(budget)


def test_header_count_and_size_are_per_part() -> None:
    budget = FormBudget(RequestLimits())
    for _ in range(3):
        budget.begin_part()
        for _ in range(MAX_PART_HEADERS):
            budget.begin_header()
        budget.header_bytes(MAX_PART_HEADER_SIZE)
    with pytest.raises(BadRequest, match=f"more than {MAX_PART_HEADERS} headers"):
        budget.begin_header()
    budget.begin_part()
    with pytest.raises(BadRequest, match=f"larger than {MAX_PART_HEADER_SIZE} bytes"):
        budget.header_bytes(MAX_PART_HEADER_SIZE + 1)


def test_header_bytes_share_the_form_memory_budget_and_file_bytes_do_not() -> None:
    budget = FormBudget(RequestLimits(data_upload_max_memory_size=100, max_upload_size=1000))
    budget.begin_part()
    budget.header_bytes(60)
    budget.file_bytes(1000)
    with pytest.raises(RequestDataTooBig, match="data_upload_max_memory_size \\(100 bytes\\)"):
        budget.form_bytes(41)
    with pytest.raises(RequestDataTooBig, match="max_upload_size \\(1000 bytes\\)"):
        budget.file_bytes(1)


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30), st.integers(0, 500))
def test_form_bytes_refuse_exactly_when_the_total_passes_the_limit(
    sizes: list[int], limit: int
) -> None:
    budget = FormBudget(RequestLimits(data_upload_max_memory_size=limit))
    total = 0
    for size in sizes:
        total += size
        if total > limit:
            with pytest.raises(RequestDataTooBig):
                budget.form_bytes(size)
            return
        budget.form_bytes(size)

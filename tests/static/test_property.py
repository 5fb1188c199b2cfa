"""No generated path ever serves a file outside the static directories."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legato import App
from legato.static.table import StaticTable
from legato.test import Client
from tests.static.conftest import SECRET, Tree

SEGMENTS = st.sampled_from(
    [
        ".",
        "..",
        "%2e",
        "%2e%2e",
        "%2f",
        "%5c",
        "\\",
        "%00",
        "",
        "/",
        "secret.txt",
        "static",
        "site.css",
        "data",
        "ten.txt",
        "out",
        "up",
        "collected",
        "..%2f",
        "%252e%252e",
        "~",
    ]
)
PATHS = st.lists(st.one_of(SEGMENTS, st.text(max_size=6)), max_size=8).map("/".join)
NAMES = st.lists(st.one_of(SEGMENTS, st.text(max_size=6)), max_size=8).map("/".join)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=PATHS)
def test_no_generated_url_serves_a_file_outside(tree: Tree, url: str) -> None:
    for root in (None, str(tree.root)):
        app = App(static_dirs=[str(tree.static)], static_root=root)
        with Client(app, raise_request_exception=False) as client:
            response = client.get("/static/" + url)
        assert SECRET not in response.content


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES)
def test_lookup_never_finds_a_file_outside(tree: Tree, name: str) -> None:
    for table in (
        StaticTable.load(None, (str(tree.static),), 60),
        StaticTable.load(str(tree.root), (), 60),
    ):
        found = table.find(name)
        if found is not None:
            real = os.path.realpath(found.plain.path)
            allowed = [os.path.realpath(tree.static), os.path.realpath(tree.root)]
            assert any(os.path.commonpath((real, base)) == base for base in allowed)
            assert Path(real) != tree.secret

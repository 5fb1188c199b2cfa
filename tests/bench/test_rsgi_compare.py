"""The RSGI measurement stays runnable: every server it compares starts on a real granian
and answers the hello and items requests as the floor does (`start` checks both)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("granian", reason="granian is not installed (make installs it)")

from bench.rsgi_compare import SERVERS, ServerSpec, start

pytestmark = pytest.mark.integration


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) is missing")
@pytest.mark.parametrize("spec", SERVERS, ids=[spec.key for spec in SERVERS])
def test_each_compared_server_serves_the_scenarios(spec: ServerSpec) -> None:
    server = start(spec)
    try:
        assert server.process.poll() is None
    finally:
        server.stop()

"""bench/servers.py starts each variant on its own HTTP server (no server started here)."""

from __future__ import annotations

import pytest

from bench.servers import server_command
from bench.variants import GRANIAN, LEGATO, Variant, on_granian


def test_granian_variant_runs_granian_asgi_with_one_worker_pinned() -> None:
    command = server_command(on_granian(LEGATO), 8123, cpu=0)

    assert command[:3] == ["taskset", "-c", "0"]
    assert command[4:6] == ["-m", "granian"]
    assert command[command.index("--interface") + 1] == "asgi"
    assert command[command.index("--workers") + 1] == "1"
    assert "--factory" in command
    assert command[-1] == LEGATO.target


def test_uvicorn_is_every_other_variant_s_server() -> None:
    command = server_command(LEGATO, 8123, cpu=None)

    assert command[1:4] == ["-m", "uvicorn", LEGATO.target]


def test_on_granian_keeps_the_app_and_label_under_its_own_key() -> None:
    variant = on_granian(LEGATO)

    assert (variant.key, variant.label, variant.target, variant.server) == (
        "legato-granian",
        LEGATO.label,
        LEGATO.target,
        GRANIAN,
    )


def test_unknown_server_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        server_command(Variant("x", "X", "bench.apps.floor:create_app", server="daphne"), 1, None)

"""How `legato run` drives uvicorn: its server in every process mode, uvicorn's backstop."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from uvicorn.supervisors import multiprocess

from legato.server import uvicorn as legato_uvicorn
from legato.server.uvicorn import BACKSTOP, Server, served_app
from tests.integration.apps.longlived import app as longlived_app

TARGET = "tests.integration.apps.longlived:app"


async def plain_asgi(scope: Any, receive: Any, send: Any) -> None:
    pass


def test_served_app_is_the_legato_app_uvicorn_imports() -> None:
    assert served_app(uvicorn.Config(TARGET)) is longlived_app
    assert served_app(uvicorn.Config(longlived_app)) is longlived_app


def test_any_other_asgi_app_is_served_as_uvicorn_would() -> None:
    assert served_app(uvicorn.Config(plain_asgi)) is None


def test_one_process_runs_legatos_server_with_uvicorns_timeout_as_a_backstop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[uvicorn.Server] = []

    def fake_run(self: uvicorn.Server, sockets: Any = None) -> None:
        self.started = True
        ran.append(self)

    monkeypatch.setattr(Server, "run", fake_run)
    legato_uvicorn.run(TARGET, shutdown_grace=2.5, port=0)
    [server] = ran
    assert type(server) is Server
    assert server.config.timeout_graceful_shutdown == 3 + BACKSTOP


def test_reload_runs_legatos_server_in_its_child(monkeypatch: pytest.MonkeyPatch) -> None:
    targets: list[Any] = []

    class FakeReload:
        def __init__(self, config: uvicorn.Config, *, target: Any, sockets: Any) -> None:
            targets.append(target)
            for sock in sockets:
                sock.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(legato_uvicorn, "ChangeReload", FakeReload)
    legato_uvicorn.run(TARGET, reload=True, port=0)
    [target] = targets
    assert type(target.__self__) is Server  # the child unpickles this bound method


def test_workers_run_legatos_server(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    class FakeMultiprocess:
        def __init__(self, config: uvicorn.Config, *, sockets: Any) -> None:
            self.config = config
            for sock in sockets:
                sock.close()

        def run(self) -> None:
            # What uvicorn's supervisor builds its workers from, while it supervises.
            seen.append(multiprocess.Process(self.config, []).server)

    original = multiprocess.Process
    monkeypatch.setattr(legato_uvicorn, "Multiprocess", FakeMultiprocess)
    legato_uvicorn.run(TARGET, workers=2, port=0)
    assert [type(server) for server in seen] == [Server]
    assert multiprocess.Process is original  # put back once the supervisor is done

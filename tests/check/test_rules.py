"""Each rule on small modules: what it reports, and the look-alikes it must leave alone.

A snippet marks every line that must be reported with `# expect: CODE`. Functions named
`view...` are checked as HTTP views, `socket...` as websocket handlers; the others are
helpers, checked only through the views that call them. A snippet is compiled and run
only when it needs its own functions to exist (`run=True`); the others import packages
this environment lacks (requests, psycopg2), which the check never imports.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from types import CodeType

import pytest

from legato.check import Checker, Project, Target
from legato.check.targets import REQUEST, WEBSOCKET

EXPECT = re.compile(r"#\s*expect:\s*(LGT\d+)")


def findings_of(directory: Path, source: str, *, run: bool) -> set[tuple[int, str]]:
    path = directory / "snippet.py"
    path.write_text(textwrap.dedent(source))
    code = compile(path.read_text(), str(path), "exec")
    namespace: dict[str, object] = {"__name__": "snippet"}
    if run:
        exec(code, namespace)
    targets = [
        Target(
            constant,
            namespace,
            f"snippet.{constant.co_name}",
            first_argument=WEBSOCKET if constant.co_name.startswith("socket") else REQUEST,
        )
        for constant in code.co_consts
        if isinstance(constant, CodeType) and constant.co_name.startswith(("view", "socket"))
    ]
    findings = Checker(Project(directory, excluded=())).check(targets)
    return {(finding.line, finding.code) for finding in findings}


def expected(source: str) -> set[tuple[int, str]]:
    lines = textwrap.dedent(source).splitlines()
    return {
        (number, match.group(1))
        for number, line in enumerate(lines, start=1)
        if (match := EXPECT.search(line))
    }


NOT_RUN = {
    "time_aliases": """
        import time
        import time as t
        from time import sleep

        async def view(request):
            time.sleep(1)  # expect: LGT101
            t.sleep(1)  # expect: LGT101
            sleep(1)  # expect: LGT101
    """,
    "requests_every_way": """
        import requests
        import requests as rq
        from requests import get

        async def view(request):
            requests.post("http://127.0.0.1/")  # expect: LGT102
            rq.get("http://127.0.0.1/")  # expect: LGT102
            get("http://127.0.0.1/")  # expect: LGT102
            with requests.Session() as session:  # expect: LGT102
                session.get("http://127.0.0.1/")
    """,
    "urllib_and_sync_httpx": """
        import urllib.request
        import httpx
        from httpx import Client

        async def view(request):
            urllib.request.urlopen("http://127.0.0.1/").read()  # expect: LGT102
            httpx.get("http://127.0.0.1/")  # expect: LGT102
            with Client() as client:  # expect: LGT102
                client.get("http://127.0.0.1/")
    """,
    "other_sync_clients": """
        import http.client
        import urllib3
        from redis import Redis

        async def view(request):
            urllib3.PoolManager()  # expect: LGT102
            http.client.HTTPSConnection("example.com")  # expect: LGT102
            Redis()  # expect: LGT105
    """,
    "sockets": """
        import socket

        async def view(request):
            socket.getaddrinfo("localhost", 80)  # expect: LGT103
            sock = socket.socket()
            sock.connect(("127.0.0.1", 9))  # expect: LGT103
            sock.sendall(b"ping")  # expect: LGT103
            sock.close()
    """,
    "subprocesses": """
        import os
        from subprocess import check_output, run

        async def view(request):
            run(["true"])  # expect: LGT104
            check_output(["true"])  # expect: LGT104
            os.system("true")  # expect: LGT104
    """,
    "sync_databases": """
        import sqlite3
        import psycopg2
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        async def view(request):
            sqlite3.connect(":memory:")  # expect: LGT105
            psycopg2.connect("dbname=app")  # expect: LGT105
            engine = create_engine("sqlite://")  # expect: LGT105
            with Session(engine) as session:  # expect: LGT105
                session.commit()
    """,
    "files": """
        from pathlib import Path

        async def view(request):
            text = open("notes.txt").read()  # expect: LGT106
            more = Path("notes.txt").read_text()  # expect: LGT106
            return text + more
    """,
    "references_are_not_calls": """
        import asyncio
        import time
        from legato.sync import sync_to_async

        async def view(request):
            await asyncio.to_thread(time.sleep, 1)
            await sync_to_async(time.sleep)(1)
            await sync_to_async(lambda: time.sleep(1))()
            label = "time.sleep(1)"
            return label
    """,
    "noqa": """
        import time

        async def view(request):
            time.sleep(1)  # noqa: LGT101
            time.sleep(1)  # noqa
            time.sleep(1)  # noqa: LGT106, LGT101
            time.sleep(1)  # noqa: E501  # expect: LGT101
    """,
    "shadowed_names_are_not_the_builtins": """
        async def view(request, open=None):
            return open("notes.txt")
    """,
    "sync_views_may_block": """
        import time
        import requests

        def view(request):
            time.sleep(1)
            return requests.get("http://127.0.0.1/")
    """,
    "async_to_sync_on_the_loop": """
        from asgiref.sync import async_to_sync, sync_to_async

        async def view(request):
            first = async_to_sync(fetch)(request)  # expect: LGT301
            fetch_now = async_to_sync(fetch)  # expect: LGT301
            second = fetch_now(request)
            # Only made here, called in a thread: right.
            third = await sync_to_async(work)(async_to_sync(fetch))
            return first, second, third
    """,
}

RUN = {
    "dropped_coroutines": """
        import asyncio
        import httpx
        from legato.sync import sync_to_async

        async def fetch(url):
            return url

        async def view(request, client: httpx.AsyncClient):
            asyncio.sleep(1)  # expect: LGT201
            fetch("a")  # expect: LGT201
            unused = fetch("b")  # expect: LGT201
            _ = fetch("c")  # expect: LGT201
            client.get("http://127.0.0.1/")  # expect: LGT201
            request.db.execute("select 1")  # expect: LGT201
            session = request.db
            session.commit()  # expect: LGT201
            sync_to_async(print)("d")  # expect: LGT201
            async with httpx.AsyncClient() as other:
                other.post("http://127.0.0.1/")  # expect: LGT201
    """,
    "coroutines_used_as_their_result": """
        import httpx
        from legato.http import JsonResponse

        async def fetch(url):
            return {"url": url}

        async def view(request):
            client = httpx.AsyncClient()
            data = client.get("http://127.0.0.1/").json()  # expect: LGT201
            if fetch("a"):  # expect: LGT201
                pass
            label = f"{fetch('b')}"  # expect: LGT201
            first = fetch("c")["url"]  # expect: LGT201
            response = JsonResponse({"data": fetch("d")})  # expect: LGT201
            right = (await client.get("http://127.0.0.1/")).json()
            both = {name: fetch(name) for name in "ab"}
            return data, label, first, response, right, both
    """,
    "kept_coroutines": """
        import asyncio

        async def fetch(url):
            return url

        async def view(request):
            await fetch("a")
            kept = fetch("b")
            task = asyncio.create_task(fetch("c"))
            both = await asyncio.gather(fetch("d"), fetch("e"), kept, task)
            request.db.add(both)  # a sync method of AsyncSession
            await request.db.flush()
            return fetch("f")
    """,
    "websocket_sends": """
        async def socket_handler(ws):
            await ws.accept()
            ws.send_text("hello")  # expect: LGT201
            await ws.send_text("hello")
    """,
    "async_functions_from_sync_code": """
        import asyncio
        from legato.sync import async_to_sync

        async def fetch(url):
            return url

        def view_calls_it(request):
            return fetch("a")  # expect: LGT302

        def view_runs_it(request):  # expect: LGT401
            first = asyncio.run(fetch("a"))
            return async_to_sync(fetch)(first), asyncio.sleep(0)  # expect: LGT302

        def run_it(coroutine):
            return asyncio.run(coroutine)

        def view_hands_it_over(request):
            print(fetch("a"))  # expect: LGT302
            return run_it(fetch("b"))
    """,
    "make_it_async_advice": """
        import time
        from legato.sync import async_to_sync

        async def fetch(url):
            return url

        def view_only_bridges(request):  # expect: LGT401
            return async_to_sync(fetch)("a")

        def view_also_blocks(request):
            time.sleep(1)
            return async_to_sync(fetch)("a")

        def view_blocks_in_a_helper(request):
            _pause()
            return async_to_sync(fetch)("a")

        def _pause():
            time.sleep(1)
    """,
    "helpers_one_level": """
        import time
        from legato.sync import async_to_sync

        def _slow():
            time.sleep(1)  # expect: LGT101
            return _slower()

        def _slower():
            time.sleep(1)  # two levels down: not followed

        def _bridge():
            return async_to_sync(_fetch)()  # expect: LGT301

        async def _fetch():
            time.sleep(1)  # expect: LGT101

        def _stream():
            time.sleep(1)  # a sync generator runs where it is iterated
            yield b""

        async def _astream():
            time.sleep(1)  # expect: LGT101
            yield b""

        async def view(request):
            _slow()
            _bridge()
            await _fetch()
            return _stream(), _astream()
    """,
    "constructors_and_bridged_functions": """
        import time
        from typing import Optional
        from legato.sync import async_to_sync

        class Cache:
            def __init__(self):
                time.sleep(1)  # expect: LGT101

            async def get(self, key):
                return key

        async def _refresh():
            time.sleep(1)  # expect: LGT101

        def view_sync(request):  # expect: LGT401
            return async_to_sync(_refresh)()  # _refresh runs on the loop

        async def view(request, maybe: Optional[Cache], quoted: "Cache | None"):
            Cache()
            maybe.get("a")  # expect: LGT201
            quoted.get("b")  # expect: LGT201
    """,
    "nested_functions": """
        import time
        from legato.sync import sync_to_async

        def view(request):
            async def inner():
                time.sleep(1)  # expect: LGT101

            def work():
                time.sleep(1)

            work()
            return inner

        async def view_nested(request):
            def work():
                time.sleep(1)  # expect: LGT101

            def handed_over():
                time.sleep(1)

            work()
            await sync_to_async(handed_over)()
    """,
    "methods_through_self_and_annotations": """
        import time

        class Store:
            async def save(self):
                return None

            def load(self):
                time.sleep(1)  # expect: LGT101

        def make_store() -> Store:
            return Store()

        async def _commit(request):
            request.db.commit()  # expect: LGT201

        async def view(request, store: Store):
            store.save()  # expect: LGT201
            Store().load()
            make_store().save()  # expect: LGT201
            await _commit(request)
    """,
}


@pytest.mark.parametrize("source", NOT_RUN.values(), ids=NOT_RUN.keys())
def test_rule_reports_exactly_the_marked_lines(tmp_path: Path, source: str) -> None:
    assert findings_of(tmp_path, source, run=False) == expected(source)


@pytest.mark.parametrize("source", RUN.values(), ids=RUN.keys())
def test_rule_reports_exactly_the_marked_lines_of_a_module(tmp_path: Path, source: str) -> None:
    assert findings_of(tmp_path, source, run=True) == expected(source)

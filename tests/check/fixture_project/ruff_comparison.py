"""One async view with the mistakes docs/check.md compares ruff's ASYNC rules on.

Never imported (requests is not installed here). A line ends with what finds it:
`# both` (ruff's ASYNC rules and legato check), `# legato` (legato check only) or
`# neither` (ruff's RUF006 does, with --select ALL).
"""

import asyncio
import socket
import sqlite3
import subprocess
import time
import urllib.request

import httpx
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


async def helper():
    return 1


def sync_helper():
    time.sleep(1)  # legato


async def view(request):
    time.sleep(1)  # both
    requests.get("http://127.0.0.1/")  # both
    urllib.request.urlopen("http://127.0.0.1/")  # both
    httpx.get("http://127.0.0.1/")  # both
    httpx.Client()  # legato
    socket.create_connection(("127.0.0.1", 9))  # legato
    subprocess.run(["true"], check=False)  # both
    sqlite3.connect(":memory:")  # legato
    create_engine("sqlite://")  # legato
    Session()  # legato
    open("f").read()  # both
    asyncio.sleep(1)  # legato
    helper()  # legato
    request.db.commit()  # legato
    sync_helper()
    asyncio.create_task(helper())  # neither

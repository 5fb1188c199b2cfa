"""Middleware of the fixture project: a function factory, a hook class, a sync class."""

import sqlite3
import subprocess
import time

from legato.middleware import Middleware


def audit_log(get_response):
    async def middleware(request):
        subprocess.run(["true"], check=False)  # expect: LGT104
        return await get_response(request)

    return middleware


audit_log.async_capable = True
audit_log.sync_capable = False


class SessionLoader(Middleware):
    nonblocking = True  # so its sync hooks run on the event loop

    def process_request(self, request):
        request.sessions = sqlite3.connect(":memory:")  # expect: LGT105


class Legacy:
    """Sync: runs in a pool thread, where blocking is fine."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        time.sleep(0)
        return self.get_response(request)

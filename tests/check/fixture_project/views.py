"""One instance of each mistake `legato check` finds, and look-alikes it must not report.

A line that must be reported ends with `# expect: CODE`; tests/check/test_fixture.py
collects them. Nothing here is ever called: the check only reads it.
"""

import asyncio
import time

import httpx

from legato.http import HttpResponse, JsonResponse
from legato.sync import async_to_sync, sync_to_async
from legato.views import View
from legato.views.decorators import require_GET
from tests.check.fixture_project import helpers
from tests.check.fixture_project.helpers import fetch_score, notify

REPORT = __file__


@require_GET
async def sleepy(request):
    time.sleep(1)  # expect: LGT101
    time.sleep(0)  # noqa: LGT101
    await asyncio.to_thread(time.sleep, 1)
    await sync_to_async(time.sleep)(1)
    return HttpResponse("late")


async def dashboard(request):
    return JsonResponse({"totals": helpers.load_totals(), "deeper": helpers.deeper_total()})


class ReportView(View):
    async def get(self, request):
        with open(REPORT) as report:  # expect: LGT106
            return HttpResponse(report.read())

    async def post(self, request):
        self.audit(request)  # expect: LGT201
        return HttpResponse(status=204)

    async def audit(self, request):
        await notify(request)


async def bridges_inside(request):
    score = async_to_sync(fetch_score)(request)  # expect: LGT301
    return JsonResponse({"score": score})


def sync_calls_async(request):
    score = fetch_score(request)  # expect: LGT302
    return JsonResponse({"score": score})


def sync_bridge_only(request):  # expect: LGT401
    score = async_to_sync(fetch_score)(request)
    return JsonResponse({"score": score})


def sync_sleeper(request):
    time.sleep(1)  # a sync view runs in a pool thread: blocking there is fine
    return HttpResponse("slept")


async def careful(request):
    await notify(request)
    task = asyncio.create_task(notify(request))
    pending = fetch_score(request)
    async with httpx.AsyncClient() as client:
        answer = await client.get("http://127.0.0.1:9/")

    def work():
        time.sleep(1)  # handed to sync_to_async below: runs in a thread

    await sync_to_async(work)()
    await asyncio.gather(pending, task)
    return HttpResponse(answer.text)

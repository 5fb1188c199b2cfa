"""Helpers the fixture's views call: `legato check` follows them one level deep."""

import asyncio
import time

import httpx


def load_totals():
    return httpx.get("http://127.0.0.1:9/totals").json()  # expect: LGT102


def deeper_total():
    return _two_levels_down()  # the check follows one level: not reported


def _two_levels_down():
    time.sleep(0)
    return 0


async def fetch_score(request):
    await asyncio.sleep(0)
    return 1


async def notify(request):
    await asyncio.sleep(0)

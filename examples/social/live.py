"""Deliver new posts to the home feeds of the author's followers, live, on any worker.

Fan-out on write: each user's open home pages read one group, "social.feed.<user id>",
and a new post is published to the group of its author and of every follower (the
follow table read when the post is made). So following or unfollowing someone takes
effect with their next post, and a reader subscribes to one group whoever they follow.
With the Redis channel layer the groups are shared by every worker process.

A stream (`feed_events`) subscribes first, then sends what the reader missed since the
post it names (its `Last-Event-ID`, or the newest post its page showed), then what
arrives: nothing posted between the page's render and the stream's start is lost. Each
post is one event "post" whose id is the post's id, so a reconnecting EventSource says
where it stopped; the event "ready" says the subscription is live.

When the channel layer cannot be reached (Redis down), the stream says so and ends, with
a `retry` delay: the EventSource comes back by itself, and once the layer is back it
gets what was posted meanwhile. (Posts published while a worker is reconnecting to
Redis are not replayed to its open streams: pub/sub keeps no history; a reload shows
them.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

from examples.social.feed import FeedItem, home_feed
from legato.channels import ChannelLayer
from legato.db import Database
from legato.http import ServerSentEvent
from legato.urls import reverse

__all__ = ["RETRY_MS", "feed_events", "feed_group", "post_event", "publish"]

RETRY_MS = 5000  # how long an EventSource waits before reconnecting, after an outage


def feed_group(user_id: int) -> str:
    return f"social.feed.{user_id}"


def post_event(item: FeedItem) -> dict[str, Any]:
    """A post as the browser gets it; `author_url` is the author's profile page."""
    author_url = reverse("social:profile", kwargs={"username": item.author})
    return {"type": "post", **item.as_json(), "author_url": author_url}


async def publish(layer: ChannelLayer, readers: Iterable[int], item: FeedItem) -> None:
    """Send a new post to the live feed of each of `readers` (user ids).

    Raises ConnectionError when the channel layer is away: the post is saved, but
    open pages see it only when reloaded.
    """
    event = post_event(item)
    await asyncio.gather(*(layer.group_send(feed_group(reader), event) for reader in set(readers)))


async def feed_events(
    layer: ChannelLayer, database: Database, user_id: int, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    """The live home feed of `user_id`: what was missed since post `after`, then new posts."""
    try:
        async for event in _live_feed(layer, database, user_id, after):
            yield event
    except ConnectionError:
        # Ended normally, not with an error status, so that the browser tries again.
        unavailable = {"type": "unavailable", "retry_ms": RETRY_MS}
        yield ServerSentEvent(unavailable, event="unavailable", retry=RETRY_MS)


async def _live_feed(
    layer: ChannelLayer, database: Database, user_id: int, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    async with layer.subscribe(feed_group(user_id)) as subscription:
        caught_up: set[int] = set()
        if after is not None:
            async with database.session() as session:
                missed = await home_feed(session, user_id, after=after)
            for item in reversed(missed):  # oldest first, as they would have arrived
                caught_up.add(item.id)
                yield _as_sse(post_event(item))
        yield ServerSentEvent({"type": "ready"}, event="ready")
        async for event in subscription:
            # A post both read above and published since: the reader has it already.
            if event.get("id") not in caught_up:
                yield _as_sse(event)


def _as_sse(event: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event, event="post", id=event["id"])

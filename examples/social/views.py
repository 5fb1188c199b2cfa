"""The social site's pages and actions; every view is `async def`.

The home feed, posting, following and the live stream need a logged-in user
(`login_required` sends others to the login page); profiles are public. Pages read the
database through `request.db` (one session per request, committed when the view
returns); a view that must announce what it wrote commits first, so that nobody is told
about a post the database could still lose. Forms are plain POSTs: the app's CSRF
middleware refuses those sent from other sites' pages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from examples.social import feed, live, pages
from legato import messages
from legato.auth import login_required
from legato.http import EventStreamResponse, Http404, HttpRequest, HttpResponseBase
from legato.shortcuts import redirect, render
from legato.views.decorators import require_GET, require_POST

__all__ = ["feed_events", "follow", "home", "new_post", "profile", "unfollow"]


def _post_id(raw: str | None) -> int | None:
    """A post id from a query or header; None when absent or not a number."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


@login_required
@require_GET
async def home(request: HttpRequest) -> HttpResponseBase:
    user = await request.auser()
    before = _post_id(request.GET.get("before"))
    items = await feed.home_feed(request.db, user.id, before=before)
    context = {
        "items": items,
        "older": items[-1].id if len(items) == feed.FEED_SIZE else None,
        "newest": items[0].id if items and before is None else 0,
        "live": before is None,  # an older page stays as it is
        "suggestions": await feed.suggestions(request.db, user.id),
        "counts": await feed.counts(request.db, user.id),
        "posted_at": pages.posted_at,
    }
    return render(request, "social/home.html", context)


@login_required
@require_POST
async def new_post(request: HttpRequest) -> HttpResponseBase:
    user = await request.auser()
    try:
        text = pages.clean_post(request.POST.get("text"))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("social:home")
    item = await feed.add_post(request.db, user, text)
    await request.db.commit()
    readers = [user.id, *await feed.follower_ids(request.db, user.id)]
    try:
        await live.publish(request.state.channels, readers, item)
    except ConnectionError:
        messages.warning(request, "Posted; open pages will show it when they are reloaded.")
    return redirect("social:home")


@require_GET
async def profile(request: HttpRequest, username: str) -> HttpResponseBase:
    person = await feed.user_named(request.db, username)
    if person is None:
        raise Http404(f"Nobody is called {username!r} here.")
    viewer = await request.auser()
    context: dict[str, Any] = {
        "person": person,
        "items": await feed.posts_by(request.db, person.id),
        "counts": await feed.counts(request.db, person.id),
        "is_self": viewer.is_authenticated and viewer.id == person.id,
        "following": viewer.is_authenticated
        and await feed.is_following(request.db, viewer.id, person.id),
        "posted_at": pages.posted_at,
    }
    return render(request, "social/profile.html", context)


@login_required
@require_POST
async def follow(request: HttpRequest, username: str) -> HttpResponseBase:
    user = await request.auser()
    person = await _person(request, username)
    try:
        if await feed.follow(request.db, user.id, person.id):
            await request.db.commit()
            messages.success(request, f"You follow {person.username} now.")
    except ValueError as exc:
        messages.error(request, str(exc))
    except IntegrityError:
        await request.db.rollback()  # the same follow, from a second click: done already
    return redirect("social:profile", username=person.username)


@login_required
@require_POST
async def unfollow(request: HttpRequest, username: str) -> HttpResponseBase:
    user = await request.auser()
    person = await _person(request, username)
    if await feed.unfollow(request.db, user.id, person.id):
        messages.info(request, f"You no longer follow {person.username}.")
    return redirect("social:profile", username=person.username)


async def _person(request: HttpRequest, username: str) -> Any:
    person = await feed.user_named(request.db, username)
    if person is None:
        raise Http404(f"Nobody is called {username!r} here.")
    return person


@login_required
@require_GET
async def feed_events(request: HttpRequest) -> HttpResponseBase:
    """The home feed's new posts as Server-Sent Events, for as long as the page is open.

    Starts after the post named by `Last-Event-ID` (a reconnecting EventSource) or by
    `?after=` (the newest post the page showed).
    """
    user = await request.auser()
    after = _post_id(request.headers.get("Last-Event-ID")) or _post_id(request.GET.get("after"))
    events = live.feed_events(request.state.channels, request.database, user.id, after)
    return EventStreamResponse(events, heartbeat=15)

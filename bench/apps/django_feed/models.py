"""A post by a user, and one user following another: what the feed page joins."""

from __future__ import annotations

from django.conf import settings  # type: ignore[import-untyped]
from django.db import models  # type: ignore[import-untyped]

__all__ = ["Follow", "Post"]


class Post(models.Model):  # type: ignore[misc]
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    text = models.CharField(max_length=280)
    created = models.DateTimeField()

    class Meta:
        # The feed reads one author's posts newest first.
        indexes = [models.Index(fields=["author", "-created"], name="feed_post_author_created")]


class Follow(models.Model):  # type: ignore[misc]
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="feed_follow_unique")
        ]

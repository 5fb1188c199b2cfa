"""The feed scenario's data: the same rows on every build, and the feed the pages must show."""

from __future__ import annotations

from bench.feed_data import (
    FEED_LENGTH,
    FOLLOWS_PER_USER,
    POSTS_PER_USER,
    USERS,
    feed_data,
    username,
)


def test_feed_data_is_the_same_on_every_build() -> None:
    assert feed_data() == feed_data()


def test_feed_data_has_the_declared_sizes() -> None:
    data = feed_data()

    assert len(data.posts) == USERS * POSTS_PER_USER
    assert len(data.follows) == USERS * FOLLOWS_PER_USER
    assert len(set(data.follows)) == len(data.follows)
    assert all(follower != followee for follower, followee in data.follows)
    assert len({post.created for post in data.posts}) == len(data.posts)  # no ties


def test_expected_feed_is_the_newest_posts_of_followed_users() -> None:
    data = feed_data()
    followed = {followee for follower, followee in data.follows if follower == 7}
    by_id = {post.id: post for post in data.posts}

    feed = data.expected_feed(7)

    assert len(feed) == FEED_LENGTH
    assert all(by_id[post_id].author_id in followed for post_id in feed)
    times = [by_id[post_id].created for post_id in feed]
    assert times == sorted(times, reverse=True)
    older = [p for p in data.posts if p.author_id in followed and p.id not in feed]
    assert all(post.created < times[-1] for post in older)


def test_username_is_padded_so_names_sort_as_ids() -> None:
    assert username(7) == "user007"

"""The social example as deployed: two `legato run` workers sharing a database and one
redis-server (its channel layer and its sessions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.channels.redis_server import running_redis
from tests.integration.servers import legato_process, server_options

APP = "examples.social.app:app"


@contextmanager
def two_social_workers(server: str, database_url: str) -> Iterator[tuple[str, str]]:
    """Start two workers of the social example on `server`; yield their base URLs."""
    options = server_options(server)
    with running_redis() as redis_url:
        env = {
            "LEGATO_DATABASE_URL": database_url,
            "LEGATO_CHANNELS_URL": redis_url,
            "LEGATO_SESSION_STORE": "redis",
            "LEGATO_SECRET_KEY": "shared by both workers, as in a deployment",
            "LEGATO_PASSWORD_HASH_MEMORY_COST": "8192",
            "LEGATO_PASSWORD_HASH_TIME_COST": "1",
        }
        # One after the other: the second finds the tables the first created.
        with (
            legato_process(APP, *options, env=env) as (first, _),
            legato_process(APP, *options, env=env) as (second, _),
        ):
            yield first, second

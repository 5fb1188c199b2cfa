"""The feed page on PostgreSQL: the apps and the builder take a URL as well as a file.

The unit tests check how each app turns BENCH_FEED_DB into its framework's database
settings. The integration test starts the runner's own private cluster, builds the data
into it and starts each of the runner's servers on it, which must log a user in and
serve that user's feed; it skips when PostgreSQL's programs are missing (fails in CI).
"""

from __future__ import annotations

import glob
import subprocess

import pytest

from bench.apps.django_feed_app import database_settings
from bench.apps.legato_feed_app import sqlalchemy_url
from bench.feed_data import USERS
from bench.feed_postgres import DJANGO_FEED_POOL, build_feed_database, postgres_cluster, scenario
from bench.logged_in import check_feed, log_in
from bench.servers import server_pool
from bench.variants import DJANGO_FEED
from tests.integration.servers import require_binary

URL = "postgresql://bench:p%40ss@127.0.0.1:5433/legato_feed"


def test_legato_reaches_a_postgres_url_through_asyncpg() -> None:
    assert sqlalchemy_url(URL) == "postgresql+asyncpg://bench:p%40ss@127.0.0.1:5433/legato_feed"


def test_legato_reads_a_path_as_a_sqlite_file() -> None:
    assert sqlalchemy_url("/tmp/feed.sqlite3") == "sqlite+aiosqlite:////tmp/feed.sqlite3"


def test_django_reaches_a_postgres_url_through_its_postgresql_backend() -> None:
    settings = database_settings(URL)

    assert settings == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "legato_feed",
        "USER": "bench",
        "PASSWORD": "p@ss",
        "HOST": "127.0.0.1",
        "PORT": "5433",
        "OPTIONS": {},
    }


def test_django_pool_is_sized_as_sqlalchemys_default_pool() -> None:
    assert database_settings(URL, pool=True)["OPTIONS"] == {"pool": {"min_size": 5, "max_size": 15}}


def test_django_reads_a_path_as_a_sqlite_file() -> None:
    assert database_settings("/tmp/feed.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/feed.sqlite3",
    }


def test_django_refuses_a_pool_for_sqlite() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        database_settings("/tmp/feed.sqlite3", pool=True)


def test_runner_compares_every_row_with_the_chosen_django_row() -> None:
    rows = scenario(baseline=DJANGO_FEED_POOL.key).rows

    assert [row.baseline for row in rows if row.key != DJANGO_FEED_POOL.key] == [
        DJANGO_FEED_POOL.key
    ] * (len(rows) - 1)
    assert {row.key for row in rows} >= {DJANGO_FEED.key, DJANGO_FEED_POOL.key}


def require_postgres() -> None:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        require_binary("initdb", "postgresql")  # skips, or fails under CI


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_every_runner_server_serves_the_feed_from_postgres() -> None:
    require_postgres()
    with postgres_cluster() as url:
        build_feed_database(url)
        with server_pool(None, 0.25, {"BENCH_FEED_DB": url}) as pool:
            for row in scenario().rows:
                server = pool.get(row.variant)
                for user_id in (1, USERS):
                    check_feed(server.port, row.path, user_id, log_in(server.port, user_id))
        with pytest.raises(RuntimeError, match="already has"):
            build_feed_database(url)  # the builder adds to no database that has tables


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_cluster_is_stopped_when_the_body_fails() -> None:
    require_postgres()
    ports = []

    def use_and_fail() -> None:
        with postgres_cluster() as url:
            ports.append(url.rsplit(":", 1)[1].split("/", 1)[0])
            raise RuntimeError("on purpose")

    with pytest.raises(RuntimeError, match="on purpose"):
        use_and_fail()
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    assert f"-p {ports[0]} " not in running.stdout

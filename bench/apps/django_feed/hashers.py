"""Argon2id at the cost the Legato rows use (bench.feed_data): logging in is set-up.

Django's own Argon2PasswordHasher (100 MiB, 8 lanes) would make logging the benchmark's
users in take seconds per server; both frameworks use the same cheap parameters instead.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher  # type: ignore[import-untyped]

from bench.feed_data import HASH_MEMORY_KIB, HASH_PARALLELISM, HASH_TIME_COST

__all__ = ["BenchArgon2PasswordHasher"]


class BenchArgon2PasswordHasher(Argon2PasswordHasher):  # type: ignore[misc]
    time_cost = HASH_TIME_COST
    memory_cost = HASH_MEMORY_KIB
    parallelism = HASH_PARALLELISM

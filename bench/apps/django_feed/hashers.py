"""Argon2id with the cost the Legato rows use: logging in is set-up, not what is measured.

Django's own Argon2PasswordHasher (100 MiB, 8 lanes) would make logging the benchmark's
users in take seconds per server; both frameworks use time 1, 8 MiB, 1 lane instead.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher  # type: ignore[import-untyped]

__all__ = ["BenchArgon2PasswordHasher"]


class BenchArgon2PasswordHasher(Argon2PasswordHasher):  # type: ignore[misc]
    time_cost = 1
    memory_cost = 8192
    parallelism = 1

"""The auth test site for a real server: default Argon2 costs, users in a SQLite file.

`LEGATO_DATABASE_URL` names the file (the test gives each run its own).
"""

from __future__ import annotations

from tests.auth import site
from tests.auth.conftest import MEMORY_DATABASE
from tests.auth.site import site_app
from tests.auth.test_timing import DEFAULT_HASHING, NO_THROTTLE

app = site_app(
    [{"username": "ada", "password": "ada's password"}],
    database=MEMORY_DATABASE,  # replaced by LEGATO_DATABASE_URL
    **DEFAULT_HASHING,
    **NO_THROTTLE,
)
app.urlpatterns = [*site.urlpatterns, site.path("", site.whoami)]

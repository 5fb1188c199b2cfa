"""Name every server the suite starts: which app factory, on which HTTP server, with how
many filler routes.

A variant is one server configuration; the scenarios (scenarios.py) point rows at
variants, and the server pool (servers.py) starts each variant at most once per pool.
Every variant runs on uvicorn unless `on_granian` made it: the same app factory served
by granian (issue 18), keyed `<key>-granian`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "DJANGO",
    "DJANGO_FEED",
    "DJANGO_MIDDLEWARE",
    "FASTAPI",
    "FLOOR",
    "FLOOR_HEADERS",
    "GRANIAN",
    "LEGATO",
    "LEGATO_CORS",
    "LEGATO_FEED_DB",
    "LEGATO_FEED_SIGNED",
    "LEGATO_GZIP",
    "LEGATO_MIDDLEWARE",
    "LITESTAR",
    "ROUTE_COUNTS",
    "SERVERS",
    "STARLETTE",
    "UVICORN",
    "Variant",
    "on_granian",
    "with_routes",
]

ROUTE_COUNTS = (10, 100, 1000)
UVICORN = "uvicorn"
GRANIAN = "granian"
SERVERS = (UVICORN, GRANIAN)


@dataclass(frozen=True, slots=True)
class Variant:
    key: str
    label: str
    target: str
    routes: int = 0
    route_shape: str = "literal"  # of the filler routes: see bench/apps/settings.py
    server: str = UVICORN  # one of SERVERS: see bench/servers.py for each one's command

    @property
    def framework(self) -> str:
        return self.target.split(":", 1)[0]


FLOOR = Variant("floor", "bare ASGI (floor)", "bench.apps.floor:create_app")
FLOOR_HEADERS = Variant(
    "floor-headers",
    "bare ASGI + the stack's 4 headers",
    "bench.apps.floor:create_app_with_security_headers",
)
LEGATO = Variant("legato", "Legato", "bench.apps.legato_app:create_app")
LEGATO_MIDDLEWARE = Variant(
    "legato-mw", "Legato + middleware", "bench.apps.legato_app:create_app_with_middleware"
)
LEGATO_GZIP = Variant(
    "legato-gzip", "Legato + middleware + GZip", "bench.apps.legato_app:create_app_with_gzip"
)
LEGATO_CORS = Variant(
    "legato-cors", "Legato + CORS + middleware", "bench.apps.legato_app:create_app_with_cors"
)
STARLETTE = Variant("starlette", "Starlette", "bench.apps.starlette_app:create_app")
FASTAPI = Variant("fastapi", "FastAPI", "bench.apps.fastapi_app:create_app")
LITESTAR = Variant("litestar", "Litestar", "bench.apps.litestar_app:create_app")
DJANGO = Variant("django", "Django", "bench.apps.django_app:create_app")
DJANGO_MIDDLEWARE = Variant(
    "django-mw", "Django + default middleware", "bench.apps.django_app:create_app_with_middleware"
)

# The feed page (scenario 8): sessions, authentication, one query and a template.
LEGATO_FEED_DB = Variant(
    "legato-feed-db",
    "Legato, sessions in the database",
    "bench.apps.legato_feed_app:create_app",
)
LEGATO_FEED_SIGNED = Variant(
    "legato-feed-signed",
    "Legato, signed-cookie sessions",
    "bench.apps.legato_feed_app:create_app_with_signed_cookies",
)
DJANGO_FEED = Variant(
    "django-feed", "Django, sessions in the database", "bench.apps.django_feed_app:create_app"
)


def with_routes(variant: Variant, routes: int, route_shape: str = "literal") -> Variant:
    if route_shape == "literal":
        key, label = f"{variant.key}@{routes}", f"{variant.label}, {routes} routes"
    else:
        key = f"{variant.key}@{routes}-{route_shape}"
        label = f"{variant.label}, {routes} {route_shape} routes"
    return Variant(key, label, variant.target, routes, route_shape, variant.server)


def on_granian(variant: Variant) -> Variant:
    """The same app on granian: same label (the report shows the server beside it)."""
    return replace(variant, key=f"{variant.key}-{GRANIAN}", server=GRANIAN)

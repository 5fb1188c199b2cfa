"""The demo app: `make demo` serves it at http://127.0.0.1:8000/.

Its pages are templates in templates/showcase/ (and the chat's and the social site's in
their own templates/), found beside the modules of the views the app routes to.
"""

from pathlib import Path

from examples.aggregator.lifespan import aggregator_lifespan
from examples.chat.pages import STATIC_DIR as CHAT_STATIC_DIR
from examples.social.middleware import SOCIAL_MIDDLEWARE
from examples.social.models import create_tables
from examples.social.pages import STATIC_DIR as SOCIAL_STATIC_DIR
from legato import App
from legato.shortcuts import render
from legato.urls import include, path

# The pages' stylesheet and the clock's script, served at /static/showcase/....
STATIC_DIR = str(Path(__file__).parent / "static")

EXAMPLES = [
    ("seeds:hello", "async def hello: HttpResponse('Hello, async!')"),
    ("seeds:mi_vista", "async def mi_vista: a JsonResponse"),
    ("seeds:fetch_data", "async def fetch_data: awaits an async function, returns JSON"),
    ("seeds:fetch_result", "async def fetch_data: awaits a slow API call"),
    ("seeds:async_view", "async def async_view: await asyncio.sleep(2), then JSON"),
    ("seeds:slow_view", "async def slow_view: await asyncio.sleep(2) without blocking"),
    ("seeds:sync_slow_view", "def view: time.sleep(2) in a pool thread, for contrast"),
    ("seeds:greeting", "class-based view with async get() and post()"),
    ("clock", "a live clock over Server-Sent Events (one long-lived request)"),
    ("slow_stream", "a slow stream: ten lines, half a second apart, sent as produced"),
    ("aggregator:page", "an API aggregator: three upstream calls awaited concurrently"),
    ("aggregator:dashboard", "its JSON: partial results, per-upstream timeouts, a shared cache"),
    ("chat:lobby", "a real-time chat: WebSockets, a channel layer, SSE + POST fallback"),
    ("social:home", "a social site: sign up, follow people, a home feed that updates live"),
]

# The demo's secret key, unless LEGATO_SECRET_KEY gives another: `make demo` starts with
# debug off and nothing to set up. It is public (it is in this file), so the demo is for
# 127.0.0.1 only; and its sessions are kept in the database (session_store="db"), so a
# session cookie is a random key, not signed data: knowing this key forges no session.
DEMO_SECRET_KEY = "insecure-demo-key-legato-showcase-never-use-outside-127.0.0.1"


async def index(request):
    return render(request, "showcase/index.html", {"examples": EXAMPLES})


urlpatterns = [
    path("", index, name="index"),
    path("seeds/", include("examples.seeds.urls")),
    path("streams/", include("examples.showcase.streams")),
    path("aggregator/", include("examples.aggregator.urls")),
    path("chat/", include("examples.chat.urls")),
    path("social/", include("examples.social.urls")),
    path("accounts/", include("legato.auth.urls")),
]


async def create_social_tables():
    await create_tables(app.database)


# The aggregator's shared HTTP client lives in the lifespan; its upstreams are simulated
# under /aggregator/upstream/ and called over HTTP where `make demo` serves the app (never
# where a request's Host header points; AGGREGATOR_BASE_URL names another address). The chat
# keeps its history in the app's SQLite file (LEGATO_DATABASE_URL overrides it), and so
# does the social site, with its users and sessions. The middleware stack is the default
# one (security headers, cross-site POSTs refused, no framing) plus sessions, users and
# flash messages; logging in leads to the social site's home, logging out to the login page.
app = App(
    urlpatterns=urlpatterns,
    middleware=SOCIAL_MIDDLEWARE,
    lifespan=aggregator_lifespan(base_url="http://127.0.0.1:8000/aggregator/"),
    on_startup=[create_social_tables],
    database="sqlite+aiosqlite:///showcase.sqlite3",
    static_dirs=[STATIC_DIR, CHAT_STATIC_DIR, SOCIAL_STATIC_DIR],
    secret_key=DEMO_SECRET_KEY,
    session_store="db",
    login_redirect_url="social:home",
    logout_redirect_url="login",
)

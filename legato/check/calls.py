"""What blocks the event loop and what makes a coroutine: the tables the rules read.

Names are the dotted names code writes (`requests.get`, `sqlalchemy.orm.Session`), so a
call matches however it was imported. Each blocking call comes with the async
replacement the finding suggests, from what Legato and its chosen libraries offer.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ASYNC_METHODS",
    "ASYNC_TO_SYNC",
    "ATTRIBUTE_TYPES",
    "BLOCKING_CALLS",
    "BLOCKING_METHODS",
    "COROUTINE_FUNCTIONS",
    "REQUEST",
    "RUNNERS",
    "SYNC_TO_ASYNC",
    "TO_THREAD",
    "Blocking",
    "blocking_call",
]


@dataclass(frozen=True, slots=True)
class Blocking:
    code: str
    advice: str
    effect: str = "blocks the event loop"


SLEEP = Blocking("LGT101", "use `await asyncio.sleep(...)`")
HTTP = Blocking("LGT102", "use `httpx.AsyncClient` and `await client.get(...)`")
CONNECT = Blocking("LGT103", "use `await asyncio.open_connection(...)`")
RESOLVE = Blocking("LGT103", "use `await asyncio.get_running_loop().getaddrinfo(...)`")
SOCKET = Blocking("LGT103", "use the streams of `await asyncio.open_connection(...)`")
PROCESS = Blocking("LGT104", "use `await asyncio.create_subprocess_exec(...)`")
DATABASE = Blocking(
    "LGT105", "use `request.db` / SQLAlchemy's AsyncSession (`create_async_engine`)"
)
REDIS = Blocking("LGT105", "use `redis.asyncio`")
FILE = Blocking(
    "LGT106",
    "use `aiofiles` or run it with `await sync_to_async(...)`",
    "does file I/O on the event loop (often harmless for a small local file)",
)

REQUEST = "legato.http.request.HttpRequest"

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

BLOCKING_CALLS: dict[str, Blocking] = {
    "time.sleep": SLEEP,
    **{f"requests.{verb}": HTTP for verb in (*_HTTP_VERBS, "Session", "session")},
    **{f"requests.api.{verb}": HTTP for verb in _HTTP_VERBS},
    **{f"httpx.{verb}": HTTP for verb in (*_HTTP_VERBS, "stream", "Client")},
    "urllib.request.urlopen": HTTP,
    "urllib3.request": HTTP,
    "urllib3.PoolManager": HTTP,
    "http.client.HTTPConnection": HTTP,
    "http.client.HTTPSConnection": HTTP,
    "socket.create_connection": CONNECT,
    **{
        f"socket.{name}": RESOLVE
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")
    },
    **{
        f"subprocess.{name}": PROCESS
        for name in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
    },
    "os.system": PROCESS,
    "os.popen": PROCESS,
    "sqlite3.connect": DATABASE,
    "psycopg2.connect": DATABASE,
    "psycopg.connect": DATABASE,
    "pymysql.connect": DATABASE,
    "MySQLdb.connect": DATABASE,
    "mysql.connector.connect": DATABASE,
    "sqlalchemy.create_engine": DATABASE,
    "sqlalchemy.engine.create_engine": DATABASE,
    "sqlalchemy.orm.Session": DATABASE,
    "sqlalchemy.orm.session.Session": DATABASE,
    "redis.Redis": REDIS,
    "redis.StrictRedis": REDIS,
    "redis.from_url": REDIS,
    "builtins.open": FILE,
    "io.open": FILE,
}

_SOCKET_METHODS = ("connect", "accept", "recv", "recv_into", "recvfrom", "send", "sendall")
_PATH_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes", "open")

# Methods that block, by the type of the object they are called on.
BLOCKING_METHODS: dict[str, dict[str, Blocking]] = {
    "socket.socket": {name: SOCKET for name in (*_SOCKET_METHODS, "sendto", "sendfile")},
    "pathlib.Path": {name: FILE for name in _PATH_METHODS},
}

_SESSION_METHODS = frozenset(
    (
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "flush",
        "commit",
        "rollback",
        "refresh",
        "delete",
        "merge",
        "close",
        "stream",
        "stream_scalars",
        "run_sync",
        "connection",
    )
)

# Coroutine methods by type, for when the class is not imported (and so cannot be read).
ASYNC_METHODS: dict[str, frozenset[str]] = {
    "httpx.AsyncClient": frozenset((*_HTTP_VERBS, "send", "aclose")),
    "sqlalchemy.ext.asyncio.AsyncSession": _SESSION_METHODS,
    "sqlalchemy.ext.asyncio.session.AsyncSession": _SESSION_METHODS,
}

# What an attribute of a known type is: `request.db` is the request's AsyncSession.
ATTRIBUTE_TYPES: dict[tuple[str, str], str] = {
    (REQUEST, "db"): "sqlalchemy.ext.asyncio.session.AsyncSession",
    (REQUEST, "database"): "legato.db.database.Database",
}

COROUTINE_FUNCTIONS = frozenset(
    f"asyncio.{name}"
    for name in (
        "sleep",
        "wait",
        "wait_for",
        "open_connection",
        "start_server",
        "create_subprocess_exec",
        "create_subprocess_shell",
        "to_thread",
    )
)

ASYNC_TO_SYNC = frozenset(
    ("asgiref.sync.async_to_sync", "asgiref.sync.AsyncToSync", "legato.sync.async_to_sync")
)
SYNC_TO_ASYNC = frozenset(
    ("asgiref.sync.sync_to_async", "asgiref.sync.SyncToAsync", "legato.sync.sync_to_async")
)
TO_THREAD = SYNC_TO_ASYNC | {"asyncio.to_thread"}

# Sync code may hand a coroutine to these: they run it to its end.
RUNNERS = frozenset(("asyncio.run", "asyncio.run_coroutine_threadsafe"))


def blocking_call(name: str | None) -> Blocking | None:
    return BLOCKING_CALLS.get(name) if name else None

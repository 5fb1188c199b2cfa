"""Answer static requests before the middleware chain, under ASGI and under WSGI.

Why before the chain: a stylesheet needs no session, CSRF check, auth or view, and pays
for none of them; WhiteNoise gets the same effect by being the first middleware. Here
the app's ASGI entry and the WSGI adapter ask `StaticFiles` first, with the path below
the mount point; a name it does not know falls through to the URL table, so a missing
file gets the app's own 404 (and a view may still own a path under `static_url`).

Small files of the production table are in memory already (`table.SMALL_FILE`) and go
out in one message. Other files are read in `CHUNK_SIZE` blocks, never whole: under ASGI
each block is read in the app's thread pool and sent once the server has taken the
previous one (uvicorn 0.55 has no `http.response.pathsend`, so there is nothing to hand
the path to); reading stops when the client leaves. Under WSGI the server's
`wsgi.file_wrapper` (sendfile in gunicorn) sends a whole file, a range block by block.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from legato._runtime.pool import ThreadPool
from legato._types import Receive, Scope, Send
from legato.static.answer import Answer, answer
from legato.static.table import StaticFile, StaticTable

__all__ = ["CHUNK_SIZE", "StaticFiles"]

CHUNK_SIZE = 64 * 1024
_WANTED = frozenset(["accept-encoding", "if-none-match", "if-modified-since", "range", "if-range"])
_ENVIRON_NAMES = {f"HTTP_{name.upper().replace('-', '_')}": name for name in _WANTED}


class StaticFiles:
    """Serve the files of a `StaticTable` at `url` (a path such as "/static/")."""

    def __init__(self, table: StaticTable, url: str, thread_pool: ThreadPool) -> None:
        self.table = table
        self.url = url
        self.thread_pool = thread_pool
        self._first_block = thread_pool.wrap(_first_block)
        self._pread = thread_pool.wrap(os.pread)

    def find(self, path_info: str) -> StaticFile | None:
        """The file a path below the mount point names, or None (not a static request)."""
        if not path_info.startswith(self.url):
            return None
        return self.table.find(path_info[len(self.url) :])

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer an ASGI request if it is for a static file; False to let the app answer."""
        file = self.find(_path_info(scope))
        if file is None:
            return False
        found = answer(scope["method"], _scope_headers(scope), file)
        first: tuple[IO[bytes] | None, bytes] = (None, found.body or b"")
        if found.length and found.body is None:
            try:
                # One hop opens the file and reads its first block; a small file is then
                # closed already and goes out in one message.
                first = await self._first_block(found)
            except OSError:
                return False  # gone since start-up: the app answers, with its 404
        await send(
            {
                "type": "http.response.start",
                "status": found.status,
                "headers": [(n.lower().encode(), v.encode("latin-1")) for n, v in found.headers],
            }
        )
        opened, block = first
        if opened is None:
            await send({"type": "http.response.body", "body": block})
        else:
            await self._send_rest(opened, block, found, receive, send)
        return True

    async def _send_rest(
        self, file: IO[bytes], block: bytes, found: Answer, receive: Receive, send: Send
    ) -> None:
        gone = asyncio.ensure_future(_disconnected(receive))
        offset, end = found.offset + len(block), found.offset + found.length
        try:
            await send({"type": "http.response.body", "body": block, "more_body": True})
            while offset < end:
                if gone.done():
                    return  # the client left: read no further
                size = min(end - offset, CHUNK_SIZE)
                block = await self._pread(file.fileno(), size, offset)
                if not block:
                    break  # the file shrank under us: end short rather than loop
                offset += len(block)
                await send({"type": "http.response.body", "body": block, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            return  # the connection broke while sending
        finally:
            gone.cancel()
            file.close()

    def wsgi(self, environ: Mapping[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer a WSGI request if it is for a static file: its body iterable, else None."""
        path_info = environ.get("PATH_INFO", "")
        if not path_info.isascii():
            path_info = path_info.encode("latin-1", "replace").decode("utf-8", "replace")
        if path_info and not path_info.startswith("/"):
            path_info = "/" + path_info  # gunicorn with SCRIPT_NAME="/shop/" gives "p/"
        file = self.find(path_info)
        if file is None:
            return None
        headers = {name: environ[key] for key, name in _ENVIRON_NAMES.items() if key in environ}
        found = answer(environ["REQUEST_METHOD"].upper(), headers, file)
        if found.body is not None:
            start_response(f"{found.status} {_REASONS[found.status]}", found.headers)
            return [found.body]
        try:
            opened = open(found.path, "rb") if found.length else None  # noqa: SIM115
        except OSError:
            return None  # gone since start-up: the app answers, with its 404
        start_response(f"{found.status} {_REASONS[found.status]}", found.headers)
        if opened is None:
            return []
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None and found.status == 200:
            return wrapper(opened, CHUNK_SIZE)
        return _FileRange(opened, found.offset, found.length)


_REASONS = {
    200: "OK",
    206: "Partial Content",
    304: "Not Modified",
    405: "Method Not Allowed",
    416: "Range Not Satisfiable",
}


def _path_info(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    # The ASGI spec (and uvicorn 0.55) includes root_path in path; older servers do not.
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


def _scope_headers(scope: Scope) -> dict[str, str]:
    headers = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        if name in _WANTED:
            headers[name] = raw_value.decode("latin-1")
    return headers


def _first_block(found: Answer) -> tuple[IO[bytes] | None, bytes]:
    """Open the file and read its first block; the file is None when that was all."""
    file = open(found.path, "rb")  # noqa: SIM115 - closed here or by _send_rest
    try:
        block = os.pread(file.fileno(), min(found.length, CHUNK_SIZE), found.offset)
    except BaseException:
        file.close()
        raise
    if found.length <= CHUNK_SIZE:
        file.close()
        return None, block
    return file, block


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # a body sent with a GET: not read, not needed


class _FileRange:
    """A WSGI body: `length` bytes of `file` from `offset`, in blocks; closes the file."""

    def __init__(self, file: IO[bytes], offset: int, length: int) -> None:
        self.file, self.offset, self.remaining = file, offset, length

    def __iter__(self) -> Iterator[bytes]:
        while self.remaining > 0:
            block = os.pread(self.file.fileno(), min(self.remaining, CHUNK_SIZE), self.offset)
            if not block:
                return  # the file shrank under us: end short rather than loop
            self.offset += len(block)
            self.remaining -= len(block)
            yield block

    def close(self) -> None:
        self.file.close()

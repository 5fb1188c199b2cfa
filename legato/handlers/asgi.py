"""Turn one ASGI HTTP connection into one response.

The path, in order: scope -> one pass over the headers (Host check, body framing), whose
findings the HttpRequest is given -> body read (bounded, spooled) -> middleware chain
(`Pipeline.get_response`, built here over the app's core: hook_layer.py, then base.py)
-> send -> after-response work. The body is read completely before the view runs, so a view
never awaits the network for its own input; limits are enforced while reading, so an
oversized body is refused without being buffered and a slow one is cut
(`BodyDeadlines`, 408 and the connection closed). Errors raised before the chain (bad
Host, oversized or malformed body) go through the same `ErrorResponder` as everything
else.

This is the hottest code in Legato, so it is one coroutine for the common case: a
bodyless GET answered in memory awaits nothing but the view and two `send` calls. From
the view's start to the last chunk sent, the `DisconnectWatcher` cancels the work if the
client leaves. The same registry holds every request task, so shut-down can end the
streams that end at shut-down (`begin_shutdown`), give the rest a grace period (`drain`)
and refuse new requests meanwhile; `handlers.shutdown` says how cut requests are answered.

Mounted under a prefix, the scope's `root_path` is the request's `script_name`; `path`
may include it (the ASGI spec, uvicorn 0.55) or not (older servers), `HttpRequest` reads
both. `App(force_script_name=...)` replaces the mount point, not the path below it. For
such a request only, the script prefix reverse() starts URLs with is set for its context.
"""

from __future__ import annotations

import asyncio
from contextvars import Token
from typing import Any, cast

from legato._types import Receive, Scope, Send
from legato.context import current_app
from legato.exceptions import BadRequest, RequestBodyTimeout, SuspiciousOperation
from legato.handlers.after_response import run_after_response
from legato.handlers.base import Core, Pipeline
from legato.handlers.body_deadlines import BodyDeadlines
from legato.handlers.chain import ChainMode
from legato.handlers.disconnect import DisconnectWatcher
from legato.handlers.request_log import log_unlogged
from legato.handlers.shutdown import HttpShutdown, send_unavailable
from legato.http.body import BodyReader, RequestBody, RequestLimits
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase, StreamingHttpResponse
from legato.urls.reverse import current_resolver, current_script_prefix

__all__ = ["ASGIHandler", "ClientDisconnected", "Receive", "Scope", "Send"]

_current_task = asyncio.current_task


class ClientDisconnected(Exception):
    """The client went away: `http.disconnect` while reading the body, or a failed send.

    ASGI servers raise an `OSError` from `send()` once the connection is closed (uvicorn
    drops the message instead); either way nobody is left to answer.
    """


class ASGIHandler:
    """Serve `http` scopes for one app; the app builds it once, at start-up."""

    def __init__(self, core: Core) -> None:
        # The chain is built here, on the loop's side: middleware factories are called now.
        self.pipeline = Pipeline(core, ChainMode.asgi(core.thread_pool))
        self.get_response = self.pipeline.get_response
        self.errors = core.errors
        self.resolver = core.resolver
        self.limits = limits = core.limits
        self.allowed_hosts = core.allowed_hosts
        self.app = core.app
        self.force_script_name = core.force_script_name
        self.proxy = proxy = core.proxy
        # Host values accepted before, looked up by their raw bytes: the fast path. An app
        # that trusts X-Forwarded-Host checks every request's host in full instead (the
        # Host header is not the host then).
        self.accepted_host = (
            _nothing_accepted
            if proxy is not None and proxy.use_x_forwarded_host
            else core.allowed_hosts.accepted_text
        )
        self.thread_pool = core.thread_pool
        self.run_sync = core.thread_pool.run
        self.disconnects = DisconnectWatcher()
        self.shutdown = HttpShutdown(self.disconnects)
        self.body_deadlines = BodyDeadlines(
            limits.request_body_timeout, limits.request_body_min_rate
        )
        self.draining = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = _current_task()
        if task is None or self.draining:
            await self._refuse(task, send)
            return
        request, ready, prefixed = self._request_for(scope)
        token = current_resolver.set(self.resolver)
        # For what the app configures and the request's code is not given (legato/context):
        # 0.1 us per request.
        app_token = current_app.set(self.app)
        disconnects = self.disconnects
        disconnects.enter(task)
        try:
            if not (ready or await self._read_request(request, receive, send)):
                return
            disconnects.watch(task, receive)
            try:
                try:
                    response = await self.get_response(request)
                except asyncio.CancelledError as cancelled:
                    await self._refuse_if_cut(task, request, send, cancelled)
                    return
                if (
                    response.status_code < 400
                    and isinstance(response, HttpResponse)
                    and request.method != "HEAD"
                ):
                    # The common case, inline: an in-memory answer, not an error (those are
                    # logged), not to a HEAD. What `send_response` would do, without its
                    # coroutine (0.2 us of 8.4 per hello in-process: bench/profile_legato).
                    try:
                        await send(
                            {
                                "type": "http.response.start",
                                "status": response.status_code,
                                "headers": response.asgi_headers(),
                            }
                        )
                        await send({"type": "http.response.body", "body": response.content})
                    except OSError:
                        raise ClientDisconnected from None
                    finally:
                        response.close()
                else:
                    await self.send_response(response, send, request=request)
            except asyncio.CancelledError as cancelled:
                self._end_quietly(task, request, cancelled)
                return
            except ClientDisconnected:
                return  # noticed by a send before the watcher saw it: the same ending
            finally:
                disconnects.stop(task)
            if request.after_response_calls:
                await self._run_after_response(task, request)
        finally:
            disconnects.leave(task)
            current_resolver.reset(token)
            current_app.reset(app_token)
            if prefixed is not None or request.body_data is not None:
                _clean_up(request, prefixed)

    async def _refuse_if_cut(
        self,
        task: asyncio.Task[Any],
        request: HttpRequest,
        send: Send,
        cancelled: asyncio.CancelledError,
    ) -> None:
        """Answer 503 to a view cut by shut-down; raise any other cancellation of it."""
        if not self.shutdown.cuts.claims(task):
            raise cancelled  # the client left (see _end_quietly), or not Legato's doing
        await self.shutdown.refuse(task, request, send)

    def _end_quietly(
        self, task: asyncio.Task[Any], request: HttpRequest, cancelled: asyncio.CancelledError
    ) -> None:
        """End a request cancelled by its client leaving or by shut-down; raise otherwise."""
        if self.disconnects.client_gone(task):
            task.uncancel()  # the client left: nobody to answer, nothing to report
        elif self.shutdown.cuts.claims(task):
            # Cut while an in-memory response was being sent (its client reads slowly):
            # whatever was sent stays, and the server closes the connection.
            self.shutdown.report(task, request, "cut", "stopped sending its response")
        else:
            raise cancelled  # the server or an outer wrapper is cancelling us: let it

    async def _run_after_response(self, task: asyncio.Task[Any], request: HttpRequest) -> None:
        try:
            await run_after_response(request, self.thread_pool)
        except asyncio.CancelledError:
            if not self.shutdown.cuts.claims(task):
                raise
            self.shutdown.report(task, request, "cut", "stopped its after-response work")

    def _request_for(self, scope: Scope) -> tuple[HttpRequest, bool, Token[str] | None]:
        """The request; whether its view can run at once (a Host value allowed before, and
        no body); and, for a request under a mount point, the token of the script prefix
        set for it (to reset when it ends).

        One pass over the headers, whose findings the request is given rather than
        looking them up again. Anything else (a body to read, a Host not seen yet, absent
        or repeated) is for `_read_request`.
        """
        raw_host = b""
        hosts = 0
        framed = typed = False
        for name, value in scope["headers"]:
            if name == b"host":
                raw_host = value
                hosts += 1
            elif name == b"content-length" or name == b"transfer-encoding":
                framed = True
            elif name == b"content-type":
                typed = True
        # A value that passed the full check before; None: check it in full.
        host = self.accepted_host(raw_host) if hosts == 1 else None
        limits, allowed = self.limits, self.allowed_hosts
        if typed:
            request = HttpRequest(scope, limits=limits, allowed_hosts=allowed, host=host)
        else:  # no Content-Type, so no charset: nothing for the request to look up later
            request = HttpRequest(
                scope, limits=limits, allowed_hosts=allowed, host=host, encoding=None
            )
        if self.force_script_name is not None:
            _mount(request, self.force_script_name)
        # Set only under a mount point, so that an app at "/" pays nothing for it.
        prefixed = (
            current_script_prefix.set(request.script_name + "/") if request.script_name else None
        )
        if self.proxy is not None:  # set only when configured: no argument to pass per request
            request.proxy = self.proxy
        # No Content-Length, no Transfer-Encoding: HTTP/1.1 says there is no body. The
        # empty http.request message is left unread; the disconnect watch skips it.
        ready = host is not None and not framed and request.method in _BODYLESS_METHODS
        return request, ready, prefixed

    async def _read_request(self, request: HttpRequest, receive: Receive, send: Send) -> bool:
        """Check the Host fully and read the body; False if the request ends here.

        It ends when the Host or the body is refused (the error response is sent here)
        or when the client leaves before the body is complete (no view runs).
        """
        try:
            request.get_host()  # the full check (unless passed before), remembering the value
            content_type, content_length, framed = _body_headers(request.scope)
            if framed or request.method not in _BODYLESS_METHODS:
                request.body_data = await read_body(
                    receive, content_type, content_length, self.limits, self.body_deadlines
                )
        except (BadRequest, SuspiciousOperation) as exc:
            await self._refuse_request(request, exc, send)
            return False
        except ClientDisconnected:
            return False
        except asyncio.CancelledError:  # still reading the body when the grace ended
            task = _running_task()
            if not self.shutdown.cuts.claims(task):
                raise
            await self.shutdown.refuse(task, request, send)
            return False
        return True

    async def _refuse_request(
        self, request: HttpRequest, exc: BadRequest | SuspiciousOperation, send: Send
    ) -> None:
        """Answer a request whose Host or body was refused, before any view ran."""
        response = await self.errors.response_for_exception(request, exc)
        if isinstance(exc, RequestBodyTimeout):
            # The rest of a slow body is not worth waiting for: the server closes the
            # connection after this answer instead of reading on.
            response["Connection"] = "close"
        try:
            await self.send_response(response, send, request=request)
        except ClientDisconnected:
            return  # nobody is left to answer, and nothing to run after the response
        if request.after_response_calls:  # an error view may have asked for some
            await self._run_after_response(_running_task(), request)

    async def _refuse(self, task: asyncio.Task[Any] | None, send: Send) -> None:
        if task is None:
            raise RuntimeError("Legato must be called from inside an asyncio task.")
        await send_unavailable(send)

    def begin_shutdown(self) -> None:
        """Refuse new requests from now on, and end the streams that end at shut-down."""
        self.draining = True
        self.shutdown.begin()

    async def drain(self, grace: float) -> None:
        """Begin shut-down, give requests in flight `grace` seconds, then cut them."""
        if not self.draining:
            self.begin_shutdown()
        await self.shutdown.drain(grace)

    async def send_response(
        self, response: HttpResponseBase, send: Send, *, request: HttpRequest
    ) -> None:
        """Send `response`, in memory or streamed (its headers only, to a HEAD); close it.

        A send that fails because the client has gone raises `ClientDisconnected`. An
        error response that nothing logged yet (a 404 a view returned) is logged here.
        """
        if response.status_code >= 400:
            log_unlogged(response, request)
        start = {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.asgi_headers(),
        }
        try:
            if isinstance(response, HttpResponse):
                body = b"" if request.method == "HEAD" else response.content
            elif request.method == "HEAD":
                body = b""  # the headers only, whatever the response
            elif isinstance(response, StreamingHttpResponse):
                await self._send_stream(start, response, send, request)
                return
            else:
                raise TypeError(f"Cannot send a {type(response).__name__}; it has no body.")
            try:
                await send(start)
                await send({"type": "http.response.body", "body": body})
            except OSError:
                raise ClientDisconnected from None
        finally:
            if response.streaming:
                await response.aclose()
            else:
                response.close()

    async def _send_stream(
        self,
        start: dict[str, Any],
        response: StreamingHttpResponse,
        send: Send,
        request: HttpRequest,
    ) -> None:
        try:
            await send(start)
        except OSError:
            raise ClientDisconnected from None
        task = _running_task()
        streams = self.shutdown.streams
        streams[task] = response
        if self.draining and response.ends_at_shutdown:
            self.shutdown.cuts.cut(task)  # shut-down began while its view ran: end it too
        try:
            async for chunk in response.aiter_chunks(self.run_sync):
                try:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except OSError:
                    raise ClientDisconnected from None
            last: bytes | None = b""
        except asyncio.CancelledError:
            if not self.shutdown.cuts.claims(task):
                raise
            last = self.shutdown.end_stream(task, request, response)
            if last is None:
                return  # left short: the server closes the connection, the client sees a cut
        finally:
            del streams[task]
        await send({"type": "http.response.body", "body": last})


async def read_body(
    receive: Receive,
    content_type: bytes | None,
    content_length: int | None,
    limits: RequestLimits,
    deadlines: BodyDeadlines,
) -> RequestBody:
    """Read the whole body through a `BodyReader`, which enforces the limits as it goes.

    `deadlines` cuts a body that arrives too slowly (`request_body_timeout`, extended by
    `request_body_min_rate`): that is `RequestBodyTimeout`, answered 408 on a connection
    then closed.
    """
    reader = BodyReader(content_type, content_length, limits)
    task = cast("asyncio.Task[Any]", _current_task())  # __call__ runs only in a task
    read = deadlines.start(task)
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            reader.feed(chunk)
            if not message.get("more_body", False):
                return reader.finish()
            if read is not None:
                read.received += len(chunk)
    except asyncio.CancelledError:
        reader.close()
        if deadlines.expired(task) and task.uncancel() == 0:
            raise RequestBodyTimeout(
                f"The request body did not arrive in time (request_body_timeout "
                f"{limits.request_body_timeout} s, request_body_min_rate "
                f"{limits.request_body_min_rate} bytes/s); send it faster."
            ) from None
        raise  # the server's cancellation (shut-down), or ours on top of it
    except BaseException:
        reader.close()
        raise
    finally:
        if read is not None:
            deadlines.stop(task)


_BODYLESS_METHODS = frozenset({"GET", "HEAD"})


def _mount(request: HttpRequest, script_name: str) -> None:
    """Make `script_name` the request's mount point; the server's still ends the path."""
    request.script_name = script_name.rstrip("/")
    request.path = request.script_name + request.path_info


def _clean_up(request: HttpRequest, prefixed: Token[str] | None) -> None:
    """Undo what a request left: the script prefix set for it, its uploaded files."""
    if prefixed is not None:
        current_script_prefix.reset(prefixed)
    request.close()


def _nothing_accepted(raw_host: bytes) -> str | None:
    return None


def _running_task() -> asyncio.Task[Any]:
    task = _current_task()
    if task is None:  # __call__ refused the request already
        raise RuntimeError("Legato must be called from inside an asyncio task.")
    return task


def _body_headers(scope: Scope) -> tuple[bytes | None, int | None, bool]:
    """Content-Type, Content-Length, and whether the request frames a body at all."""
    content_type = None
    content_length = None
    framed = False
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            content_length = _parse_content_length(value)
            framed = True
        elif name == b"transfer-encoding":
            framed = True
    return content_type, content_length, framed


def _parse_content_length(value: bytes) -> int:
    # The server has already framed the body by this header; a value it accepted but that
    # is not a plain number still must not reach the limits as garbage.
    if not value.isdigit():
        raise BadRequest(f"Invalid Content-Length header: {value[:40]!r}.")
    return int(value)

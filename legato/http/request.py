"""Describe one HTTP request to a view, with Django's names, computing each part on first use.

Construction reads only what every request needs (`method`, `path`, `path_info`);
headers, META, GET, POST, FILES, COOKIES, the content type and the validated host are
computed on first access and cached on the instance, so a view pays for what it reads.
The body is read by the handler through `body.BodyReader` and attached as `body_data`
before the view runs; POST and FILES come from it, for any method (a streamed multipart
body cannot be read twice, so unlike Django a PUT form is parsed too). `read()`,
`readline()` and iteration read the same bytes as a file, with Django's rule: once the
stream is read before `body` was, `body` raises `RawPostDataException` and POST is
empty. The host is checked against `allowed_hosts` in `get_host()` with Django's rules;
`None` means any well-formed host. Proxy headers count only as `proxy` says (proxy.py).

`HttpRequest()` with no scope is Django's empty request (no method, empty path, empty
META, mutable GET and POST), for tests to fill in. Once META exists (built, or assigned
by a test) it is what the headers, host, port, cookies, content type and scheme are read
from; an assigned META also gives the query string (`GET`, `get_full_path()`), as in
Django.

A server adapter that has read the headers already tells the constructor what it
learned, so nothing is looked up twice: `host`, a Host value it checked against
`allowed_hosts`, and `encoding=None` when there is no Content-Type (so no charset).
"""

from __future__ import annotations

import datetime
import enum
import re
import uuid
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from io import BytesIO
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import orjson

from legato.context import current_app
from legato.exceptions import BadRequest, DisallowedHost, ImproperlyConfigured
from legato.http.accept import (
    MediaType,
    by_precedence,
    governing_range,
    parse_accept,
    preferred_type,
)
from legato.http.body import DEFAULT_LIMITS, RequestBody, RequestLimits
from legato.http.charsets import charset_for_decoding, check_charset, is_utf8
from legato.http.cookies import parse_cookie
from legato.http.headers import HttpHeaders, find_header, parse_header_parameters
from legato.http.hosts import AllowedHosts, split_domain_port
from legato.http.multipart import UploadedFile
from legato.http.proxy import ProxyHeaders
from legato.http.querydict import MultiValueDict, QueryDict
from legato.signing import RAISE_ERROR, unsign_cookie

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from legato.db.database import Database

__all__ = ["HttpRequest", "MediaType", "RawPostDataException"]

T = TypeVar("T")

# A request ID from a proxy is logged verbatim, so only plain tokens are trusted.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,200}")
# Django's escape_uri_path and iri_to_uri safe sets.
_PATH_SAFE = "/:@&+$,-_.!~*'()"
_URI_SAFE = "/#%[]=:;$&()+,!?*@'~"


class RawPostDataException(BadRequest):
    """`request.body` (or the body as a stream) was asked for after it was consumed.

    Legato parses multipart bodies while they stream, so this happens whenever a client
    sends a form to a view that reads `request.body` or `request.read()`: the client's
    choice, answered with 400 (Django, which raises it for a programming error, answers
    500). It is also Django's error for `request.body` read after `request.read()`.
    """


class _Unset(enum.Enum):
    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET  # a module global: cheaper to reach than the enum member


class _cached(Generic[T]):
    """`functools.cached_property` without Python 3.11's class-wide lock.

    A non-data descriptor: after the first access the value sits in the instance dict
    and later reads never reach this code. Assigning or deleting the attribute works.
    """

    __slots__ = ("func", "name")

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> _cached[T]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> T: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> T | _cached[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


_Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]

# What a request caches from its headers, and what else from its scope (the host, the
# encoding the adapter found, the query string, the cookies): assigning META drops them.
_FROM_HEADERS = (
    "headers",
    "_content_type_and_params",
    "accepted_types",
    "accepted_types_by_precedence",
    "_host",
)
_FROM_SCOPE = ("GET", "COOKIES", "_encoding")


class HttpRequest:
    """One HTTP request, as Django's `HttpRequest` presents it to a view."""

    # Class-level defaults cost nothing per request; assigning one makes it per instance.
    resolver_match: Any = None
    # A URL table for this request only (a dotted module path, a module or a list of
    # routes), set by a middleware as in Django; None: the app's own.
    urlconf: Any = None
    proxy: ProxyHeaders | None = None
    script_name = ""
    body_data: RequestBody | None = None
    _host: str | None = None
    _encoding: str | _Unset | None = _Unset.UNSET
    _json: Any = _Unset.UNSET
    _meta: dict[str, Any] | None = None
    _meta_given = False  # META was assigned (or is the empty one): it holds the query too
    _stream: BytesIO | None = None  # the body as a file, once read() or readline() asks
    _body_seen = False  # `body` (or the form parsed from it) was read before the stream
    after_response_calls: tuple[_Call, ...] = ()
    database: Database | None = None  # set per request only when the app has one
    db_session: AsyncSession | None = None

    def __init__(
        self,
        scope: MutableMapping[str, Any] | None = None,
        body: RequestBody | None = None,
        *,
        limits: RequestLimits = DEFAULT_LIMITS,
        allowed_hosts: AllowedHosts | None = None,
        host: str | None = None,
        encoding: str | _Unset | None = _UNSET,
        proxy: ProxyHeaders | None = None,
    ) -> None:
        """Describe the request in `scope`; without one, Django's empty request.

        `host`: the Host value, already checked against `allowed_hosts` by whoever passes
        it; `get_host()` returns it as it is. `encoding`: the charset to decode GET and
        POST with (None: UTF-8); by default the one Content-Type names, found on first use.
        `proxy`: the proxy headers to trust (None: none).
        """
        if scope is None:
            self._be_empty()
        else:
            self.scope = scope
            self.method: str = scope["method"]
            root_path = scope.get("root_path")
            if root_path:
                self.script_name, self.path, self.path_info = split_root(scope["path"], root_path)
            else:
                self.path = self.path_info = scope["path"]
        if body is not None:
            self.body_data = body
        self.limits = limits
        self.allowed_hosts = allowed_hosts
        if host is not None:
            self._host = host
        if encoding is not _UNSET:
            if encoding is not None:
                check_charset(encoding)
            self._encoding = encoding
        if proxy is not None:
            self.proxy = proxy

    def _be_empty(self) -> None:
        # What Django's HttpRequest() holds: nothing read from any request yet.
        self.scope = {"type": "http"}
        self.method = None  # type: ignore[assignment]
        self.path = self.path_info = ""
        self._meta = {}
        self._meta_given = True
        self.__dict__.update(
            GET=QueryDict(mutable=True),
            POST=QueryDict(mutable=True),
            COOKIES={},
            FILES=MultiValueDict(),
        )

    if not TYPE_CHECKING:  # to mypy, a request has only the attributes it declares

        def __getattr__(self, name: str) -> Any:
            # Only for an attribute the request does not have: one a middleware provides
            # lazily (SessionMiddleware's `session`, AuthenticationMiddleware's `user`),
            # made on first use, so that a request that never uses it pays nothing.
            app = current_app.get()
            provide = None if app is None else app.request_attributes.get(name)
            if provide is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            value = self.__dict__[name] = provide(self)
            return value

    def __repr__(self) -> str:
        if self.method is None or not self.get_full_path():
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__}: {self.method} {self.get_full_path()!r}>"

    @property
    def scheme(self) -> str:
        """http or https: the server's, or what a trusted proxy header says (proxy.py)."""
        proxy = self.proxy
        if proxy is not None and proxy.ssl_header is not None:
            meta_key, name, secure_value = proxy.ssl_header
            value = self._header(meta_key, name)
            if value is not None:
                return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
        return str(self.scope.get("scheme", "http"))

    def is_secure(self) -> bool:
        return self.scheme == "https"

    @_cached
    def headers(self) -> HttpHeaders:
        meta = self._meta
        if meta is not None:
            return HttpHeaders.from_meta(meta)
        return HttpHeaders(self.scope.get("headers", ()))

    @property
    def META(self) -> dict[str, Any]:
        meta = self._meta
        if meta is None:
            meta = self._meta = _build_meta(self)
        return meta

    @META.setter
    def META(self, meta: dict[str, Any]) -> None:
        # What was read from the old source is read again from this META when next asked
        # for, the host checked again. An empty request's GET, POST and COOKIES were set,
        # not read, so they stay (Django's do).
        cached = self.__dict__
        for name in _FROM_HEADERS if self._meta_given else _FROM_HEADERS + _FROM_SCOPE:
            cached.pop(name, None)
        self._meta = meta
        self._meta_given = True

    @_cached
    def COOKIES(self) -> dict[str, str]:
        header = self._header("HTTP_COOKIE", b"cookie")
        return parse_cookie(header) if header else {}

    def get_signed_cookie(
        self,
        key: str,
        default: Any = RAISE_ERROR,
        salt: str = "",
        max_age: float | datetime.timedelta | None = None,
    ) -> Any:
        """Return the value of a cookie set by `set_signed_cookie`, checked (legato/signing.py).

        Missing: KeyError; tampered, expired or salted otherwise: BadSignature. With a
        `default`, that is returned instead of either.
        """
        return unsign_cookie(self.COOKIES, key, default, salt, max_age)

    @_cached
    def GET(self) -> QueryDict:
        if self._meta_given:
            query: str | bytes = self.META.get("QUERY_STRING", "")
        else:
            query = self.scope.get("query_string", b"")
        return QueryDict(
            query,
            encoding=self.encoding,
            max_num_fields=self.limits.data_upload_max_number_fields,
        )

    @_cached
    def POST(self) -> QueryDict:
        data = self.body_data
        if data is not None:
            if data.post is not None:
                return data.post
            if self.content_type == "application/x-www-form-urlencoded":
                return self._urlencoded_form(data)
        return QueryDict(encoding=self.encoding)

    def _urlencoded_form(self, data: RequestBody) -> QueryDict:
        encoding = self.encoding
        if encoding is not None and not is_utf8(encoding):
            # Django 5.2's rule: such a form has no charset but UTF-8 (RFC 1866, WHATWG).
            raise BadRequest(
                "HTTP requests with the 'application/x-www-form-urlencoded' content type "
                f"must be UTF-8 encoded, and this one names charset {encoding[:40]!r}; "
                "send the form as UTF-8."
            )
        if not self._body_seen:
            if self._stream is not None:
                return QueryDict()  # the view read the stream first: no form, as in Django
            self._body_seen = True
        return QueryDict(data.body, max_num_fields=self.limits.data_upload_max_number_fields)

    @_cached
    def FILES(self) -> MultiValueDict[UploadedFile]:
        data = self.body_data
        if data is not None and data.files is not None:
            return data.files
        return MultiValueDict()

    @property
    def body(self) -> bytes:
        if not self._body_seen:
            if self._stream is not None:
                raise RawPostDataException(
                    "You cannot access body after reading from request's data stream: "
                    "read request.body first if the view needs both."
                )
            self._body_seen = True
        data = self.body_data
        if data is None:
            return b""
        if data.body is None:
            raise RawPostDataException(
                "The multipart/form-data body was parsed into request.POST and "
                "request.FILES as it arrived, so request.body is not available; read the "
                "form from those instead."
            )
        return data.body

    def json(self) -> Any:
        """Return the body decoded as JSON (cached); malformed JSON raises BadRequest (400)."""
        if self._json is _UNSET:
            data = self.body_data
            if data is not None and data.body is None:
                raise BadRequest(
                    "Malformed JSON in request body: it is multipart/form-data; read "
                    "request.POST and request.FILES instead."
                )
            try:
                self._json = orjson.loads(self.body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"Malformed JSON in request body: {exc}") from None
        return self._json

    # The body as a file, as Django's request is one. The body is in memory already (the
    # handler read it before the view ran), so none of these waits for the network.

    def read(self, size: int | None = -1) -> bytes:
        """Read up to `size` bytes of the body (all that is left by default)."""
        return self._body_stream().read(size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._body_stream().readline(size)

    def readlines(self) -> list[bytes]:
        return list(self)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def _body_stream(self) -> BytesIO:
        stream = self._stream
        if stream is None:
            data = self.body_data
            body = b"" if data is None else data.body
            if body is None:
                raise RawPostDataException(
                    "The multipart/form-data body was parsed into request.POST and "
                    "request.FILES as it arrived, so it cannot be read as a stream; read "
                    "the form from those instead."
                )
            stream = self._stream = BytesIO(body)
        return stream

    @_cached
    def _content_type_and_params(self) -> tuple[str, dict[str, str]]:
        header = self._header("CONTENT_TYPE", b"content-type")
        if not header:
            return "", {}  # most GET requests: nothing to parse
        return parse_header_parameters(header)

    @property
    def content_type(self) -> str:
        return self._content_type_and_params[0]

    @property
    def content_params(self) -> dict[str, str]:
        return self._content_type_and_params[1]

    @property
    def encoding(self) -> str | None:
        """The charset named by Content-Type, or None (UTF-8) if there is none or Python
        does not know it; a codec that cannot decode text raises `UnsupportedCharset` (400)."""
        if self._encoding is _UNSET:
            charset = self.content_params.get("charset")
            self._encoding = charset_for_decoding(charset) if charset else None
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        if value is not None:
            check_charset(value)
        # As in Django: GET and POST are decoded again, with the new charset, when next read.
        self._encoding = value
        self.__dict__.pop("GET", None)
        self.__dict__.pop("POST", None)

    @_cached
    def accepted_types(self) -> list[MediaType]:
        """The media ranges of the Accept header (`*/*` without one), preferred first."""
        header = self._header("HTTP_ACCEPT", b"accept")
        return parse_accept("*/*" if header is None else header)

    @_cached
    def accepted_types_by_precedence(self) -> list[MediaType]:
        """The same ranges, most specific first: the order in which they govern a type."""
        return by_precedence(self.accepted_types)

    def accepted_type(self, media_type: str | MediaType) -> MediaType | None:
        """The accepted range that governs `media_type` (its quality is the client's), or None."""
        return governing_range(media_type, self.accepted_types_by_precedence)

    def accepts(self, media_type: str | MediaType) -> bool:
        """Say whether the client accepts a response of `media_type` ("application/json")."""
        return self.accepted_type(media_type) is not None

    def get_preferred_type(self, media_types: Sequence[str]) -> str | None:
        """The one of `media_types` the client prefers, or None if it accepts none of them."""
        if not media_types or not self.accepted_types:
            return None
        return preferred_type(media_types, self.accepted_types, self.accepted_types_by_precedence)

    @_cached
    def id(self) -> str:
        given = self._header("HTTP_X_REQUEST_ID", b"x-request-id")
        if given is not None and _REQUEST_ID.fullmatch(given):
            return given
        return uuid.uuid4().hex

    @_cached
    def state(self) -> SimpleNamespace:
        """The app's lifespan state (a per-request copy), plus what middleware adds."""
        return SimpleNamespace(**self.scope.get("state", {}))

    @property
    def db(self) -> AsyncSession:
        """This request's SQLAlchemy `AsyncSession`, created on first use.

        Committed when the view returns normally, rolled back when it raises or is
        cancelled, closed in every case.
        """
        session = self.db_session
        if session is None:
            if self.database is None:
                raise ImproperlyConfigured(
                    "request.db needs a database: pass App(database='sqlite+aiosqlite:///"
                    "app.sqlite3') or set LEGATO_DATABASE_URL."
                )
            session = self.db_session = self.database.new_session()
        return session

    def after_response(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Call `func(*args, **kwargs)` (sync or async) after the response is fully sent.

        Its errors are logged and never reach the client; shut-down waits for it within
        the grace period.
        """
        self.after_response_calls = (*self.after_response_calls, (func, args, kwargs))

    def get_host(self) -> str:
        """Return the Host header (or server name and port) if `allowed_hosts` allows it."""
        if self._host is not None:
            return self._host
        host = self._raw_host()
        allowed = self.allowed_hosts
        if allowed is not None and allowed.recently_accepted(host):
            self._host = host
            return host
        domain, _ = split_domain_port(host)
        if not domain or (allowed is not None and not allowed.allows_domain(domain)):
            raise DisallowedHost(_disallowed_host_message(host, domain))
        if allowed is not None:
            allowed.remember(host)
        self._host = host
        return host

    def get_port(self) -> str:
        """The port the client connected to (X-Forwarded-Port if the app trusts it)."""
        proxy = self.proxy
        if proxy is not None and proxy.use_x_forwarded_port:
            forwarded = self._header("HTTP_X_FORWARDED_PORT", b"x-forwarded-port")
            if forwarded is not None:
                return forwarded
        meta = self._meta
        if meta is not None:
            return str(meta["SERVER_PORT"])  # a KeyError without it, as in Django
        return _scope_server(self.scope)[1]

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return self._full(self.path, force_append_slash)

    def get_full_path_info(self, force_append_slash: bool = False) -> str:
        return self._full(self.path_info, force_append_slash)

    def build_absolute_uri(self, location: object = None) -> str:
        """Return `location` (default: this request's full path) as an absolute URI.

        `location` is a string, or a lazy one such as `reverse_lazy(...)`.
        """
        origin = f"{self.scheme}://{self.get_host()}"
        if location is None:
            return origin + self.get_full_path()
        location = str(location)
        bits = urlsplit(location)
        if bits.scheme and bits.netloc:
            absolute = location
        elif (
            bits.path.startswith("/")
            and not bits.scheme
            and not bits.netloc
            and not ("/./" in bits.path or "/../" in bits.path)
        ):
            # A plain absolute path (also "//" with no host) needs no joining.
            absolute = origin + location.removeprefix("//")
        else:
            absolute = urljoin(origin + self.path, location)
        return quote(absolute, safe=_URI_SAFE)

    def close(self) -> None:
        """Close the uploaded files; the handler calls this once the response is sent."""
        if self.body_data is not None:
            self.body_data.close()

    def _full(self, path: str, force_append_slash: bool) -> str:
        if force_append_slash and not path.endswith("/"):
            path += "/"
        escaped = quote(path, safe=_PATH_SAFE)
        if self._meta_given:
            text = str(self.META.get("QUERY_STRING", ""))
            return f"{escaped}?{quote(text, safe=_URI_SAFE)}" if text else escaped
        query: bytes = self.scope.get("query_string", b"")
        return f"{escaped}?{quote_from_bytes(query, safe=_URI_SAFE)}" if query else escaped

    def _header(self, meta_key: str, name: bytes) -> str | None:
        # A META the view or a test has built (or assigned) is the source of truth then,
        # as in Django. Without META or headers, one scan of the raw list is cheaper than
        # building either just to read the Host or Cookie header.
        meta = self._meta
        if meta is not None:
            return meta.get(meta_key)
        headers = self.__dict__.get("headers")
        if headers is not None:
            return headers.get(name.decode())  # type: ignore[no-any-return]
        return find_header(self.scope.get("headers", ()), name)

    def _raw_host(self) -> str:
        """The host as the request names it, unchecked (Django's `_get_raw_host`)."""
        proxy = self.proxy
        if proxy is not None and proxy.use_x_forwarded_host:
            forwarded = self._header("HTTP_X_FORWARDED_HOST", b"x-forwarded-host")
            if forwarded is not None:
                return forwarded
        host = self._header("HTTP_HOST", b"host")
        if host is not None:
            return host
        meta = self._meta
        # A KeyError for a META without SERVER_NAME, as in Django.
        name = str(meta["SERVER_NAME"]) if meta is not None else _scope_server(self.scope)[0]
        port = self.get_port()
        return name if port == ("443" if self.is_secure() else "80") else f"{name}:{port}"


def split_root(path: str, root_path: str) -> tuple[str, str, str]:
    """Return (script_name, path, path_info) whether or not `path` includes `root_path`."""
    root = root_path.rstrip("/")
    if not root:
        return "", path, path
    # The ASGI spec has `path` include root_path; older servers sent it without.
    if path == root or path.startswith(root + "/"):
        path_info = path[len(root) :]
        if path_info.startswith("//") and root_path.endswith("/"):
            # uvicorn --root-path /app/ sends "/app//users/" for "/users/".
            path_info = path_info[1:]
            path = root + path_info
        return root, path, path_info or "/"
    return root, root + path, path


def _scope_server(scope: MutableMapping[str, Any]) -> tuple[str, str]:
    server = scope.get("server")
    if not server:
        return "unknown", "0"
    name, port = server[0], server[1]
    if ":" in name:
        name = f"[{name}]"  # an IPv6 address, written as a Host header would
    return name, "0" if port is None else str(port)


def _disallowed_host_message(host: str, domain: str) -> str:
    if domain:
        return (
            f"Invalid HTTP_HOST header: {host!r}. You may need to add {domain!r} to allowed_hosts."
        )
    return (
        f"Invalid HTTP_HOST header: {host!r}. The domain name provided is not valid "
        "according to RFC 1034/1035."
    )


def _build_meta(request: HttpRequest) -> dict[str, Any]:
    scope = request.scope
    server_name, server_port = _scope_server(scope)
    meta = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": request.script_name,
        "PATH_INFO": request.path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
    }
    client = scope.get("client")
    if client:
        meta["REMOTE_ADDR"] = meta["REMOTE_HOST"] = str(client[0])
        meta["REMOTE_PORT"] = str(client[1])
    _add_header_meta(meta, scope.get("headers", ()))
    return meta


def _add_header_meta(meta: dict[str, str], raw_headers: Any) -> None:
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1")
        if "_" in name:
            continue  # dropped, as in HttpHeaders: X_Forwarded_For must not pose as X-Forwarded-For
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        value = raw_value.decode("latin-1")
        if key in meta:
            value = meta[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        meta[key] = value

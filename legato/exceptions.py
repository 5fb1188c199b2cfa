"""Name the errors a view or the framework can raise.

Django's names and hierarchy, so `except SuspiciousOperation` catches what a Django
user expects. Each maps to one status code in `handlers.errors`; nothing here knows
about responses.
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "DisallowedHost",
    "DisallowedRedirect",
    "ImproperlyConfigured",
    "MiddlewareNotUsed",
    "MultiPartParserError",
    "PermissionDenied",
    "RequestBodyTimeout",
    "RequestDataTooBig",
    "RequestTimeout",
    "SuspiciousOperation",
    "SynchronousOnlyOperation",
    "TooManyFieldsSent",
    "TooManyFilesSent",
    "TooManyPartsSent",
]


class ImproperlyConfigured(Exception):
    """The app, a route, a view or a middleware is set up wrongly."""


class MiddlewareNotUsed(Exception):
    """Raised by a middleware factory to leave that middleware out of the chain."""


class PermissionDenied(Exception):
    """The user may not do this: answered with 403."""


class BadRequest(Exception):
    """The request is malformed: answered with 400."""


class SuspiciousOperation(Exception):
    """The request looks like tampering: answered with 400 and logged."""


class DisallowedHost(SuspiciousOperation):
    """The Host header is not in `allowed_hosts`."""


class TooManyFieldsSent(SuspiciousOperation):
    """A form carries more fields than `data_upload_max_number_fields`."""


class TooManyFilesSent(SuspiciousOperation):
    """A form carries more files than `data_upload_max_number_files`."""


class TooManyPartsSent(SuspiciousOperation):
    """A multipart body has more parts than `data_upload_max_number_parts`."""


class RequestDataTooBig(SuspiciousOperation):
    """The body is larger than the configured limit: answered with 413."""


class MultiPartParserError(BadRequest):
    """A multipart/form-data body is malformed: answered with 400.

    Django's name (`django.http.multipartparser.MultiPartParserError`, importable from
    `legato.http.multipart` and `legato.http` too); a `BadRequest` here, so that
    `except BadRequest` catches it.
    """


class RequestBodyTimeout(BadRequest):
    """The client sent the body too slowly: answered with 408, and the connection closed."""


class RequestTimeout(Exception):
    """A view ran past its deadline: answered with 504."""


class SynchronousOnlyOperation(Exception):
    """Sync-only code was called from a thread running an event loop."""


class DisallowedRedirect(SuspiciousOperation):
    """A redirect points to a scheme other than http, https or ftp (e.g. "javascript:")."""

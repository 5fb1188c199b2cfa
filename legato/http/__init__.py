"""Requests, responses, uploads and cookies: the values a view takes and returns."""

from legato.http.multipart import MultiPartParserError, UploadedFile
from legato.http.querydict import MultiValueDict, QueryDict
from legato.http.redirects import url_has_allowed_host_and_scheme
from legato.http.request import HttpRequest, RawPostDataException
from legato.http.response import (
    BadHeaderError,
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseForbidden,
    HttpResponseGone,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
    StreamingHttpResponse,
)
from legato.http.sse import EventStreamResponse, ServerSentEvent

__all__ = [
    "BadHeaderError",
    "EventStreamResponse",
    "FileResponse",
    "Http404",
    "HttpRequest",
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseBase",
    "HttpResponseForbidden",
    "HttpResponseGone",
    "HttpResponseNotAllowed",
    "HttpResponseNotFound",
    "HttpResponseNotModified",
    "HttpResponsePermanentRedirect",
    "HttpResponseRedirect",
    "HttpResponseServerError",
    "JsonResponse",
    "MultiPartParserError",
    "MultiValueDict",
    "QueryDict",
    "RawPostDataException",
    "ServerSentEvent",
    "StreamingHttpResponse",
    "UploadedFile",
    "url_has_allowed_host_and_scheme",
]

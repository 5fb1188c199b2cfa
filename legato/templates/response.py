"""Responses that render a template later: when the view has returned, not when made.

As Django's `TemplateResponse`: a view returns the template's name and context, and
middleware's `process_template_response` hooks may still change `template_name` and
`context_data` before the handler renders the response, once (handlers/base.py). Unlike
Django's, rendering is asynchronous: `await response.arender()`. The sync `render()` and
`rendered_content` wait for the app's loop, so they work in a sync view, a sync
middleware or a WSGI thread, and refuse (saying to await `arender()`) on the loop itself.

The engine is `using`, a `Templates`; None until the handler gives the app's. A response
made outside a request renders with `using=app.templates`.

`StreamingTemplateResponse` sends the page as Jinja2 renders it (`chunks.py` groups the
pieces): its template is loaded when the response is rendered, so a missing template or
a syntax error still gets an error page; an error later in the page can only cut the
response short, its status having been sent.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from legato.http.response import HttpResponse, StreamingHttpResponse
from legato.http.response_base import HttpResponseBase
from legato.http.response_headers import HeaderSource
from legato.http.streaming import RunSync
from legato.sync import async_to_sync
from legato.templates.chunks import chunks
from legato.templates.exceptions import ContentNotRenderedError
from legato.templates.globals import request_context

if TYPE_CHECKING:
    import jinja2

    from legato.templates.engine import TemplateName, Templates

__all__ = [
    "SimpleTemplateResponse",
    "StreamingTemplateResponse",
    "TemplateRendering",
    "TemplateResponse",
]

PostRenderCallback = Callable[[Any], Any]


class TemplateRendering:
    """What every template response holds until it is rendered, and how it renders."""

    template_name: TemplateName
    context_data: Mapping[str, Any] | None
    using: Templates | None
    _request: Any
    _is_rendered: bool
    _post_render_callbacks: list[PostRenderCallback]

    def _init_rendering(
        self, request: Any, template: TemplateName, context: Mapping[str, Any] | None, using: Any
    ) -> None:
        if using is not None and not hasattr(using, "get_template"):
            raise TypeError(
                f"using={using!r}: Legato has one template engine per app; leave `using` out "
                "to render with the app's, or pass a legato.templates.Templates."
            )
        self.template_name = template
        self.context_data = context
        self.using = using
        self._request = request
        self._is_rendered = False
        self._post_render_callbacks = []

    @property
    def is_rendered(self) -> bool:
        return self._is_rendered

    def resolve_template(self, template: TemplateName) -> jinja2.Template:
        """The template to render: loaded by name, the first of a list, or as given."""
        return self._engine().get_template(template)

    def resolve_context(self, context: Mapping[str, Any] | None) -> dict[str, Any]:
        """The context to render with: `context` plus request, csrf_input and csrf_token."""
        return request_context(self._request, context)

    def add_post_render_callback(self, callback: PostRenderCallback) -> None:
        """Call `callback(response)` once rendered (now, if it is); a response it returns
        replaces this one. An async callback is awaited when `arender()` renders."""
        if self._is_rendered:
            _sync_result(callback(self))
        else:
            self._post_render_callbacks.append(callback)

    def render(self) -> Any:
        """Render (if not yet) and return the response, waiting for the app's loop."""
        if self._is_rendered:
            return self
        _refuse_on_the_loop("response.render()", "await response.arender()")
        return async_to_sync(self.arender)()

    async def arender(self) -> Any:
        """Render, if not yet, and return the response (a post-render callback's, if any)."""
        if self._is_rendered:
            return self
        await self._render_content()
        response: Any = self
        for callback in self._post_render_callbacks:
            replacement = callback(response)
            if inspect.isawaitable(replacement):
                replacement = await replacement
            if replacement is not None:
                response = replacement
        return response

    async def _render_content(self) -> None:
        raise NotImplementedError

    def _engine(self) -> Templates:
        if self.using is None:
            raise RuntimeError(
                f"This {type(self).__name__} has no template engine yet: Legato renders "
                "the one a view returns with the app's templates. To render one yourself, "
                "pass using=app.templates."
            )
        return self.using


class SimpleTemplateResponse(TemplateRendering, HttpResponse):
    """A template and its context, rendered into the body when the handler renders it."""

    def __init__(
        self,
        template: TemplateName,
        context: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        status: int | None = None,
        charset: str | None = None,
        using: Templates | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        HttpResponse.__init__(self, "", content_type, status, charset=charset, headers=headers)
        self._init_rendering(None, template, context, using)

    @property
    def rendered_content(self) -> str:
        """The template rendered with the context, without touching the response."""
        _refuse_on_the_loop("response.rendered_content", "await response.arender()")
        return async_to_sync(self._rendered_text)()

    async def _rendered_text(self) -> str:
        template = self.resolve_template(self.template_name)
        return await self._engine().render_async(template, self.resolve_context(self.context_data))

    async def _render_content(self) -> None:
        self.content = await self._rendered_text()

    @property
    def content(self) -> bytes:
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be accessed: "
                "`await response.arender()` (Legato renders the responses views return; "
                "one returned by a middleware is the middleware's to render)."
            )
        return super().content

    @content.setter
    def content(self, value: object) -> None:
        self._set_content(value)
        self._is_rendered = True

    def __iter__(self) -> Iterator[bytes]:
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be iterated over."
            )
        return super().__iter__()


class TemplateResponse(SimpleTemplateResponse):
    """A SimpleTemplateResponse that knows its request (in the context as `request`)."""

    def __init__(
        self,
        request: Any,
        template: TemplateName,
        context: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        status: int | None = None,
        charset: str | None = None,
        using: Templates | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        super().__init__(template, context, content_type, status, charset, using, headers)
        self._request = request


class StreamingTemplateResponse(TemplateRendering, StreamingHttpResponse):
    """A template sent as it renders: the first bytes leave before the last are made."""

    chunk_size = 16 * 1024  # characters sent at most per chunk while rendering never waits

    def __init__(
        self,
        request: Any,
        template: TemplateName,
        context: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        status: int | None = None,
        charset: str | None = None,
        using: Templates | None = None,
        headers: HeaderSource | None = None,
    ) -> None:
        StreamingHttpResponse.__init__(
            self, (), content_type, status, charset=charset, headers=headers
        )
        self._init_rendering(request, template, context, using)

    async def _render_content(self) -> None:
        # Loaded now, so that a missing template or a syntax error is an error page.
        template = self.resolve_template(self.template_name)
        pieces = self._engine().generate_async(template, self.resolve_context(self.context_data))
        self.streaming_content = chunks(pieces, self.chunk_size)
        self._is_rendered = True

    def iter_chunks(self) -> Iterator[bytes]:
        self._check_rendered()
        return super().iter_chunks()

    def aiter_chunks(self, run_sync: RunSync | None = None) -> AsyncIterator[bytes]:
        self._check_rendered()
        return super().aiter_chunks(run_sync)

    def _check_rendered(self) -> None:
        if not self._is_rendered:
            raise ContentNotRenderedError(
                "The response content must be rendered before it can be streamed: "
                "`await response.arender()`."
            )


def _refuse_on_the_loop(what: str, instead: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # a thread: it may wait for the loop
    raise RuntimeError(
        f"{what} waits for the event loop, and this code runs on it: use `{instead}`."
    )


def _sync_result(result: object) -> None:
    if inspect.iscoroutine(result):
        result.close()
        raise TypeError(
            "An async post-render callback was added to a response already rendered; "
            "add it before the response is rendered, or make it a plain function."
        )


async def render_lazily(
    response: TemplateRendering, templates: Templates | None
) -> HttpResponseBase:
    """Render a template response a view returned, with `templates` unless it has its own."""
    if response.using is None:
        response.using = templates
    rendered: HttpResponseBase = await response.arender()
    return rendered

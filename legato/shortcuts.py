"""Shortcuts across layers, with Django's names and signatures: render(), redirect(),
resolve_url().

`render(request, name, context)` returns a `TemplateResponse`, which the handler renders
asynchronously once the view has returned (legato/templates/response.py): Django's
render() renders at once, which an async template engine cannot do inside a sync call.

`resolve_url(to)` turns what a view wants to send the browser to into a URL: an object
with `get_absolute_url()`, a route name or view with its arguments (reverse(), so the
script prefix of a mounted app is included), or a URL, kept as it is. `redirect()` answers
with a redirect to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from legato.http.response import HttpResponsePermanentRedirect, HttpResponseRedirect
from legato.templates.response import TemplateResponse
from legato.urls._errors import NoReverseMatch
from legato.urls.reverse import LazyURL, current_resolver, reverse

if TYPE_CHECKING:
    from legato.templates.engine import TemplateName, Templates

__all__ = ["redirect", "render", "resolve_url"]


def render(
    request: Any,
    template_name: TemplateName,
    context: Mapping[str, Any] | None = None,
    content_type: str | None = None,
    status: int | None = None,
    using: Templates | None = None,
) -> TemplateResponse:
    """Answer with template `template_name` rendered with `context` (and `request`).

    Rendering happens when the view has returned, awaited on the app's event loop, so a
    template may call async functions; `return render(...)` works in sync views too.
    """
    return TemplateResponse(request, template_name, context, content_type, status, using=using)


def redirect(
    to: Any, *args: Any, permanent: bool = False, preserve_request: bool = False, **kwargs: Any
) -> HttpResponseRedirect | HttpResponsePermanentRedirect:
    """Redirect to `resolve_url(to, *args, **kwargs)`: 302, or 301 with `permanent=True`.

    `preserve_request=True` asks the browser to repeat the method and body (307, or 308
    when permanent).
    """
    response_class = HttpResponsePermanentRedirect if permanent else HttpResponseRedirect
    return response_class(resolve_url(to, *args, **kwargs), preserve_request=preserve_request)


def resolve_url(to: Any, *args: Any, **kwargs: Any) -> str:
    """Return the URL for `to`: `to.get_absolute_url()`, a reversed route, or `to` itself.

    As Django decides: a string starting with "./" or "../" is a relative URL; any other
    is reversed first, and taken as a URL if that fails and it holds a "/" or a ".".
    """
    if hasattr(to, "get_absolute_url"):
        return str(to.get_absolute_url())
    if isinstance(to, LazyURL):
        to = str(to)
    if isinstance(to, str) and (to.startswith(("./", "../")) or _url_outside_a_request(to)):
        return to
    try:
        return reverse(to, args=args, kwargs=kwargs)
    except NoReverseMatch:
        if callable(to) or ("/" not in to and "." not in to):
            raise  # a view or a route name: the error says which routes were tried
    return str(to)


def _url_outside_a_request(to: str) -> bool:
    # With no request being served there is no URL table to try: a URL is a URL, and a
    # name still goes to reverse(), whose error says to pass urlconf=.
    return current_resolver.get() is None and ("/" in to or "." in to)

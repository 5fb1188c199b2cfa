"""What every template of an app can use without the view passing it.

Globals, fixed when the app's environment is built (`app_globals`):
- `url(name, *args, **kwargs)`: reverse() of a route, with the script prefix of the
  request being served (or the app's table outside a request);
- `static(path)`: the URL of a static file, from the app's `static()` method;
- `debug`: the app's `debug` setting;
- `get_messages()`: the request's flash messages (legato/messages/templates.py).

Per render (`request_context`), as Django's Jinja2 backend adds them: `request`, and
`csrf_input` / `csrf_token`. Legato's CSRF check reads the Origin and Sec-Fetch-Site
headers a browser sends and needs no token (docs/decisions.md), so both are empty:
they are there so that a template written for Django (`{{ csrf_input }}` in a form)
renders unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from legato.urls.resolver import Resolver
from legato.urls.reverse import current_resolver, get_script_prefix, reverse

__all__ = ["app_globals", "request_context"]

StaticURL = Callable[[str], str]


def app_globals(
    resolver: Callable[[], Resolver], static: StaticURL | None, *, debug: bool
) -> dict[str, Any]:
    """The globals of an app's templates; `resolver` gives its URL table when called."""
    # Here, not at the top: legato.messages imports the middleware, which import this.
    from legato.messages.templates import get_messages

    def url(viewname: str, /, *args: Any, **kwargs: Any) -> str:
        # Positional-only, so that a route may capture `name`: url("file", name="a.css").
        # Inside a request, the table reverse() uses there (request.urlconf included).
        urlconf = resolver() if current_resolver.get() is None else None
        return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=kwargs or None)

    return {
        "url": url,
        "static": static or _static_url,
        "debug": debug,
        "get_messages": get_messages,
    }


def request_context(request: Any, context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The context a template renders with for `request`: the view's, plus Django's three."""
    values = dict(context or {})
    if request is not None:
        values["request"] = request
        values["csrf_input"] = Markup("")
        values["csrf_token"] = ""
    return values


def _static_url(path: str) -> str:
    # For an app with no static() method: the URL under the default static_url.
    return f"{get_script_prefix()}static/{quote(path.lstrip('/'))}"

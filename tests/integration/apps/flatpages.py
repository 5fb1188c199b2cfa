"""A catch-all route, as Django's flatpages use: every path + "/" resolves (APPEND_SLASH)."""

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path


async def page(request: HttpRequest, page: str) -> HttpResponse:
    return HttpResponse(f"page {page}")


app = App([path("<path:page>/", page)])
application = app.as_wsgi()

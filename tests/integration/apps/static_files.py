"""An app serving static files; LEGATO_STATIC_DIRS / LEGATO_STATIC_ROOT say from where."""

from legato import App
from legato.http import HttpRequest, HttpResponse
from legato.urls import path


async def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


app = App([path("", home)])

# For gunicorn (WSGI): the same app.
application = app.as_wsgi()

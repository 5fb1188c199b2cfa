"""The fixture project's app: `legato check tests.check.fixture_project.app:app`."""

from legato import App
from legato.urls import path, websocket
from tests.check.fixture_project import middleware, sockets, views

app = App(
    urlpatterns=[
        path("sleepy/", views.sleepy),
        path("dashboard/", views.dashboard),
        path("report/", views.ReportView.as_view()),
        path("bridges-inside/", views.bridges_inside),
        path("sync-calls-async/", views.sync_calls_async),
        path("sync-bridge-only/", views.sync_bridge_only),
        path("sync-sleeper/", views.sync_sleeper),
        path("careful/", views.careful),
        websocket("echo/", sockets.echo),
    ],
    middleware=[middleware.audit_log, middleware.SessionLoader, middleware.Legacy],
)

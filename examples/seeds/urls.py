"""URLs for the seed examples: `App(urlpatterns="examples.seeds.urls")` serves them."""

from examples.seeds import views
from legato.urls import path

app_name = "seeds"

urlpatterns = [
    path("async/", views.async_view, name="async_view"),
    path("hello/", views.hello, name="hello"),
    path("mi-vista/", views.mi_vista, name="mi_vista"),
    path("fetch-data/", views.fetch_data, name="fetch_data"),
    path("fetch-result/", views.fetch_result, name="fetch_result"),
    path("slow/", views.slow_view, name="slow_view"),
    path("slow-sync/", views.sync_slow_view, name="sync_slow_view"),
    path("greeting/", views.GreetingView.as_view(), name="greeting"),
]

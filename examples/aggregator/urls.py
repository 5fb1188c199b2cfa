"""Route the aggregator's page, dashboard and simulated upstreams.

Mount with `path("aggregator/", include("examples.aggregator.urls"))`, in an App whose
lifespan is `aggregator_lifespan(...)`.

The demo's relative upstream URLs (settings.DEMO_UPSTREAMS) assume what is written here:
the simulated upstreams at "upstream/<name>/" under the mount point, which is the base
URL they are resolved against (`base_url`, e.g. "http://127.0.0.1:8000/aggregator/").
"""

from examples.aggregator import views
from examples.aggregator.simulated import simulated_api
from legato.urls import path

__all__ = ["app_name", "urlpatterns"]

app_name = "aggregator"

urlpatterns = [
    path("", views.page, name="page"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("upstream/<slug:name>/", simulated_api, name="upstream"),
]

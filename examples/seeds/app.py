"""The seed examples as an app on their own: `legato run examples.seeds.app:app`."""

from legato import App

app = App(urlpatterns="examples.seeds.urls")

"""The social site's routes; mount them anywhere, e.g. under "social/" with
`path("social/", include("examples.social.urls"))`.

Signing up, logging in and out are legato.auth's pages, which the app routes beside
these (`path("accounts/", include("legato.auth.urls"))`, where `login_url` points).
"""

from examples.social import views
from legato.urls import path

app_name = "social"

urlpatterns = [
    path("", views.home, name="home"),
    path("posts/", views.new_post, name="post"),
    path("feed/events/", views.feed_events, name="events"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("u/<str:username>/follow/", views.follow, name="follow"),
    path("u/<str:username>/unfollow/", views.unfollow, name="unfollow"),
]

"""The chat's routes; mount them anywhere: `path("chat/", include("examples.chat.urls"))`."""

from examples.chat import sockets, views
from legato.urls import path, websocket

app_name = "chat"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("rooms/<slug:room>/", views.room_page, name="room"),
    path("rooms/<slug:room>/history/", views.history, name="history"),
    path("rooms/<slug:room>/events/", views.events, name="events"),
    path("rooms/<slug:room>/messages/", views.post_message, name="messages"),
    websocket("rooms/<slug:room>/socket/", sockets.chat_socket, name="socket"),
]

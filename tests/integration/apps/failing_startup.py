"""An app whose start-up hook fails: the server must exit and name the hook."""

from legato import App


def connect_to_the_database() -> None:
    raise ConnectionRefusedError("database at 127.0.0.1:1 refused the connection")


app = App([], on_startup=[connect_to_the_database])

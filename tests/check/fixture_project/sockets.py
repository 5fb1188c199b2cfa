"""A websocket handler of the fixture project."""

import socket


async def echo(ws):
    await ws.accept()
    upstream = socket.create_connection(("127.0.0.1", 9))  # expect: LGT103
    upstream.close()
    await ws.send_text(await ws.receive_text())

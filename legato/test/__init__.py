"""Test an app in-process through its ASGI entry point."""

from legato.test.client import AsyncClient, Client, RedirectCycleError
from legato.test.response import TestResponse
from legato.test.websocket import WebSocketDenied

__all__ = ["AsyncClient", "Client", "RedirectCycleError", "TestResponse", "WebSocketDenied"]

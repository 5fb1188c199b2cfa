"""Serve HTTP requests: the server adapters, and the pipeline they share.

Words, as used here: a *handler* is what a server calls, as in Django (`ASGIHandler`
for HTTP scopes, `WebSocketHandler`, `WSGIHandler`); the *core* (`base.Core`) is what
the app builds once for every adapter; the *pipeline* (`base.Pipeline`) is the
middleware chain around the innermost step, which each adapter builds over the core; a
*layer* is one step of that chain. Error views keep Django's names (`handler404`).

A request read top to bottom fits in three files: asgi.py (scope -> request -> chain ->
send), hook_layer.py (the layers between: the guard, hook-style middleware) and base.py
(`respond`: resolve, hooks, view, checks). chain.py builds the chain at start-up;
wsgi.py adapts the same core to a WSGI server; errors.py maps exceptions to responses.
"""

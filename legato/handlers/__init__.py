"""The request pipeline: ASGI entry, middleware chain, error mapping."""

"""Answer one request from several upstream APIs, awaited concurrently: the aggregator example.

`app.make_app(upstreams=...)` builds the service; `urls` holds its routes, `lifespan` the
shared HTTP client, `aggregator` the fan-out, `fetch` one upstream call, `cache` the
coalescing TTL cache, `simulated` the fake upstreams the demo calls over real HTTP.
"""

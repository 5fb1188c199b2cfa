"""Static files: served by the app itself, collected with hashed names for production.

- `paths`: the guard every requested name goes through (no way out of a directory);
- `headers`: parsers for Range, If-None-Match, If-Modified-Since, Accept-Encoding;
- `table`: the servable files (a start-up table from a manifest, or the source dirs);
- `answer`: status and headers for one request, without I/O;
- `serve`: `StaticFiles`, which the ASGI entry and the WSGI adapter ask first;
- `collect`: `legato collectstatic` (hashed names, manifest, .br and .gz copies).
"""

from legato.static.collect import collectstatic
from legato.static.serve import StaticFiles

__all__ = ["StaticFiles", "collectstatic"]

"""Built-in middleware, one module each, and the stack a new app should start with.

`DEFAULT_MIDDLEWARE` is Legato's counterpart of the `MIDDLEWARE` list Django's
`startproject` writes, for what Legato has: security headers, cross-site request
refusal, and no framing by other sites. Every entry is a hook-style `Middleware`, so the
whole stack runs as one layer of the chain. `GZipMiddleware` and `CorsMiddleware` are
added by the apps that want them.
"""

from __future__ import annotations

from legato.middleware.base import Middleware
from legato.middleware.clickjacking import XFrameOptionsMiddleware
from legato.middleware.cors import CorsMiddleware
from legato.middleware.csrf import CsrfViewMiddleware
from legato.middleware.gzip import GZipMiddleware
from legato.middleware.security import SecurityMiddleware

__all__ = [
    "DEFAULT_MIDDLEWARE",
    "CorsMiddleware",
    "CsrfViewMiddleware",
    "GZipMiddleware",
    "Middleware",
    "SecurityMiddleware",
    "XFrameOptionsMiddleware",
]

DEFAULT_MIDDLEWARE = (SecurityMiddleware, CsrfViewMiddleware, XFrameOptionsMiddleware)

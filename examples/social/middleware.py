"""The middleware stack of an app that serves the social site: Legato's default stack
plus sessions, users and flash messages, in the order Django's `startproject` lists them."""

from legato.auth import AuthenticationMiddleware
from legato.messages import MessageMiddleware
from legato.middleware import CsrfViewMiddleware, SecurityMiddleware, XFrameOptionsMiddleware
from legato.sessions import SessionMiddleware

__all__ = ["SOCIAL_MIDDLEWARE"]

SOCIAL_MIDDLEWARE = (
    SecurityMiddleware,
    SessionMiddleware,
    CsrfViewMiddleware,
    AuthenticationMiddleware,  # request.user needs request.session
    MessageMiddleware,  # messages are kept in the session
    XFrameOptionsMiddleware,
)

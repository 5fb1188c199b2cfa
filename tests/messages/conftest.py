from tests.sessions.browser import browse

__all__ = ["browse"]

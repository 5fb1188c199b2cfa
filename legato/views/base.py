"""Class-based views: `View`, `as_view()` and dispatch by HTTP method.

A view class is either all sync or all async: `as_view()` checks the handlers once and
returns a plain function or an `async def` function accordingly, so the app can tell
which without calling it. Mixing the two raises ImproperlyConfigured at
`as_view()` time, naming the class and the handlers of each kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from legato.exceptions import ImproperlyConfigured
from legato.handlers.request_log import log_response
from legato.http.request import HttpRequest
from legato.http.response import HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from legato.sync import iscoroutinefunction

__all__ = ["View"]


class _ClassOnly:
    """A classmethod that instances do not have, as Django's `classonlymethod`."""

    def __init__(self, method: Any) -> None:  # a classmethod, which mypy sees as its function
        self.method: classmethod[Any, Any, Any] = method

    def __get__(self, instance: object, owner: type) -> Callable[..., Any]:
        if instance is not None:
            raise AttributeError("This method is available only on the class, not on instances.")
        return self.method.__get__(None, owner)


class View:
    """Dispatch a request to the method named after its HTTP verb (`get`, `post`, ...)."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def handler_names(cls) -> list[str]:
        """The HTTP handlers this class defines (its own `options` excluded)."""
        return [name for name in cls.http_method_names if name != "options" and hasattr(cls, name)]

    @classmethod
    def view_is_async(cls) -> bool:
        handlers = {name: getattr(cls, name) for name in cls.handler_names()}
        if not handlers:
            return False
        kinds = {name: iscoroutinefunction(handler) for name, handler in handlers.items()}
        if len(set(kinds.values())) > 1:
            async_names = sorted(name for name, is_async in kinds.items() if is_async)
            sync_names = sorted(name for name, is_async in kinds.items() if not is_async)
            raise ImproperlyConfigured(
                f"{cls.__qualname__} HTTP handlers must either be all sync or all async: "
                f"async {async_names}, sync {sync_names}. Make them all `async def` or all `def`."
            )
        return next(iter(kinds.values()))

    @_ClassOnly
    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., Any]:
        """Return a view function that makes a fresh instance per request.

        The function is named `view`, as Django's is (`view_class` names the class), and
        carries what decorators set on `dispatch` (`@csrf_exempt`), as Django's does.
        """
        for key in initkwargs:
            if key in cls.http_method_names:
                raise TypeError(
                    f"The method name {key} is not accepted as a keyword argument to "
                    f"{cls.__name__}.as_view()."
                )
            if not hasattr(cls, key):
                raise TypeError(
                    f"{cls.__name__}.as_view() received an invalid keyword {key!r}. as_view only "
                    "accepts arguments that are already attributes of the class."
                )
        if cls.view_is_async():
            view: Callable[..., Any] = _async_view(cls, initkwargs)
        else:
            view = _sync_view(cls, initkwargs)
        view.view_class = cls  # type: ignore[attr-defined]
        view.view_initkwargs = initkwargs  # type: ignore[attr-defined]
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.__qualname__ = f"{cls.as_view.__qualname__}.<locals>.view"
        view.__annotations__ = cls.dispatch.__annotations__
        view.__dict__.update(_decorator_marks(cls.dispatch))
        return view

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if hasattr(self, "get") and not hasattr(self, "head"):
            self.head = self.get
        self.request = request
        self.args = args
        self.kwargs = kwargs

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        method = request.method.lower()
        handler = (
            getattr(self, method, self.http_method_not_allowed)
            if method in self.http_method_names
            else self.http_method_not_allowed
        )
        return handler(request, *args, **kwargs)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = HttpResponseNotAllowed(self._allowed_methods())
        log_response(
            "Method Not Allowed (%s): %s",
            request.method,
            request.path,
            response=response,
            request=request,
        )
        return self._answer(response)

    def options(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = HttpResponse()
        response.headers["Allow"] = ", ".join(self._allowed_methods())
        response.headers["Content-Length"] = "0"
        return self._answer(response)

    def _allowed_methods(self) -> list[str]:
        return [name.upper() for name in self.http_method_names if hasattr(self, name)]

    def _answer(self, response: HttpResponseBase) -> Any:
        # An async view's dispatch must return an awaitable for every method.
        if self.view_is_async():

            async def answer() -> HttpResponseBase:
                return response

            return answer()
        return response


def _sync_view(cls: type[View], initkwargs: dict[str, Any]) -> Callable[..., Any]:
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        instance = cls(**initkwargs)
        instance.setup(request, *args, **kwargs)
        _check_setup(instance)
        return instance.dispatch(request, *args, **kwargs)

    return view


def _async_view(cls: type[View], initkwargs: dict[str, Any]) -> Callable[..., Any]:
    async def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        instance = cls(**initkwargs)
        instance.setup(request, *args, **kwargs)
        _check_setup(instance)
        return await instance.dispatch(request, *args, **kwargs)

    return view


# Set by functools.wraps or by asgiref's marker: they describe `dispatch` itself, and
# copied onto the view they would make it look like `dispatch` (its signature, sync or async).
_NOT_MARKS = frozenset({"__wrapped__", "_is_coroutine", "_is_coroutine_marker"})


def _decorator_marks(dispatch: Callable[..., Any]) -> dict[str, Any]:
    """What decorators set on `dispatch` (`csrf_exempt = True`, ...), to copy onto the view."""
    marks = getattr(dispatch, "__dict__", {})
    return {name: value for name, value in marks.items() if name not in _NOT_MARKS}


def _check_setup(instance: View) -> None:
    if not hasattr(instance, "request"):
        raise AttributeError(
            f"{type(instance).__name__} instance has no 'request' attribute. Did you override "
            "setup() and forget to call super()?"
        )

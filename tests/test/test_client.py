"""The test client: Django's signatures, cookies, redirects, lifespan, sync and async."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from legato import App
from legato.exceptions import ImproperlyConfigured
from legato.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from legato.lifespan import StartupFailed
from legato.test import AsyncClient, Client
from legato.test.lifespan import LifespanFailed
from legato.urls import path
from legato.urls.resolver import Resolver404


async def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "GET": {key: request.GET.getlist(key) for key in request.GET},
            "POST": {key: request.POST.getlist(key) for key in request.POST},
            "FILES": {key: request.FILES[key].read().decode() for key in request.FILES},
            "content_type": request.content_type,
            "x_custom": request.headers.get("x-custom"),
        }
    )


async def set_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("set")
    response.set_cookie("flavour", "oatmeal", httponly=True)
    return response


async def read_cookie(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.COOKIES.get("flavour", "none"))


async def forget_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("forgotten")
    response.delete_cookie("flavour")
    return response


async def go_home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/echo/?from=redirect")


urlpatterns = [
    path("echo/", echo),
    path("set/", set_cookie),
    path("read/", read_cookie),
    path("forget/", forget_cookie),
    path("go/", go_home),
]


def test_get_encodes_data_as_query_with_lists() -> None:
    with Client(App(urlpatterns)) as client:
        body = client.get("/echo/", {"a": ["1", "2"], "b": "x y"}).json()
    assert body["GET"] == {"a": ["1", "2"], "b": ["x y"]}


def test_post_defaults_to_multipart_with_files() -> None:
    upload = io.BytesIO(b"file body")
    upload.name = "notes.txt"
    with Client(App(urlpatterns)) as client:
        body = client.post("/echo/", {"title": "hello", "attachment": upload}).json()
    assert body["POST"] == {"title": ["hello"]}
    assert body["FILES"] == {"attachment": "file body"}
    assert body["content_type"] == "multipart/form-data"


def test_headers_and_django_style_extras_are_sent() -> None:
    with Client(App(urlpatterns)) as client:
        assert client.get("/echo/", headers={"X-Custom": "a"}).json()["x_custom"] == "a"
        assert client.get("/echo/", HTTP_X_CUSTOM="b").json()["x_custom"] == "b"


def test_cookies_are_kept_between_requests_and_deleted() -> None:
    with Client(App(urlpatterns)) as client:
        assert client.get("/read/").text == "none"
        client.get("/set/")
        assert client.cookies["flavour"].value == "oatmeal"
        assert client.get("/read/").text == "oatmeal"
        client.get("/forget/")
        assert client.get("/read/").text == "none"


def test_follow_records_the_redirect_chain() -> None:
    with Client(App(urlpatterns)) as client:
        response = client.get("/go/", follow=True)
    assert response.json()["GET"] == {"from": ["redirect"]}
    assert response.redirect_chain == [("/echo/?from=redirect", 302)]


def test_put_patch_delete_send_their_bodies() -> None:
    async def body_length(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"{request.method} {request.body.decode()}")

    with Client(App([path("b/", body_length)])) as client:
        assert client.put("/b/", "one").text == "PUT one"
        assert client.patch("/b/", b"two").text == "PATCH two"
        assert client.delete("/b/", "three").text == "DELETE three"


def test_lifespan_runs_around_the_client() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, str]]:
        events.append("enter")
        yield {"greeting": "hello"}
        events.append("exit")

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(app.state.greeting)

    app = App(
        [path("", view)],
        lifespan=lifespan,
        on_startup=[lambda: events.append("startup hook")],
        on_shutdown=[lambda: events.append("shutdown hook")],
    )
    with Client(app) as client:
        assert client.get("/").text == "hello"
        assert events == ["enter", "startup hook"]
    assert events == ["enter", "startup hook", "shutdown hook", "exit"]


def test_failing_startup_names_the_hook() -> None:
    def connect_to_database() -> None:
        raise ConnectionError("refused")

    app = App([], on_startup=[connect_to_database])
    with pytest.raises(LifespanFailed, match="connect_to_database"), Client(app):
        pass


def test_failing_startup_chains_the_apps_exception() -> None:
    def connect_to_database() -> None:
        raise ConnectionError("refused")

    with pytest.raises(LifespanFailed) as failed, Client(App([], on_startup=[connect_to_database])):
        pass
    assert isinstance(failed.value.__cause__, StartupFailed)


def returns_none(get_response: Any) -> None:
    return None


def neither_sync_nor_async(get_response: Any) -> Any:
    return get_response


neither_sync_nor_async.sync_capable = False  # type: ignore[attr-defined]
neither_sync_nor_async.async_capable = False  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("factory", "message"),
    [(returns_none, "returned None"), (neither_sync_nor_async, "at least one of")],
)
@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_a_configuration_error_at_startup_raises_improperly_configured(
    factory: Any, message: str, client_class: type[Client] | type[AsyncClient]
) -> None:
    app = App([path("", echo)], middleware=[factory])
    with pytest.raises(ImproperlyConfigured, match=message):
        asyncio.run(_enter(client_class, app))


async def _enter(client_class: type[Client] | type[AsyncClient], app: App) -> None:
    if client_class is AsyncClient:
        async with AsyncClient(app):
            pass
    else:
        with Client(app):  # its own loop, in its own thread
            pass


def test_client_without_with_starts_lazily_and_closes() -> None:
    events: list[str] = []
    app = App([path("", echo)], on_startup=[lambda: events.append("up")])
    client = Client(app)
    assert client.get("/").status_code == 200
    assert events == ["up"]
    client.close()


@pytest.mark.anyio
async def test_async_client_has_the_same_api() -> None:
    async with AsyncClient(App(urlpatterns)) as client:
        response = await client.get("/echo/", {"q": "1"})
        assert response.json()["GET"] == {"q": ["1"]}
        response = await client.post("/echo/", {"k": "v"})
        assert response.json()["POST"] == {"k": ["v"]}
        await client.get("/set/")
        assert (await client.get("/read/")).text == "oatmeal"


async def item(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"item {pk}")


async def stream_async(request: HttpRequest) -> StreamingHttpResponse:
    async def parts() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    return StreamingHttpResponse(parts())


def stream_sync(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(iter(["a", "b"]))


def described_app() -> App:
    return App(
        [
            path("items/<int:pk>/", item, name="item"),
            path("stream/async/", stream_async),
            path("stream/sync/", stream_sync),
        ]
    )


def test_resolver_match_is_the_requests_route_as_in_django() -> None:
    with Client(described_app()) as client:
        match = client.get("/items/5/").resolver_match
    assert (match.func, match.kwargs, match.url_name, match.route) == (
        item,
        {"pk": 5},
        "item",
        "items/<int:pk>/",
    )


def test_resolver_match_of_a_path_without_a_route_raises_resolver404() -> None:
    with Client(described_app()) as client:
        response = client.get("/nowhere/")
    with pytest.raises(Resolver404):
        response.resolver_match  # noqa: B018 - resolved when read


def test_response_request_is_the_scope_the_client_sent() -> None:
    with Client(described_app()) as client:
        response = client.get("/items/5/", {"q": "x"})
    assert response.request["path"] == "/items/5/"
    assert response.request["method"] == "GET"
    assert response.request["query_string"] == b"q=x"
    assert response.request["url"] == "/items/5/"


@pytest.mark.parametrize("url", ["/stream/async/", "/stream/sync/"])
def test_a_streamed_body_is_iterable_from_the_sync_client(url: str) -> None:
    with Client(described_app()) as client:
        response = client.get(url)
    assert response.streaming
    assert list(response.streaming_content) == [b"a", b"b"]
    assert b"".join(response) == b"ab"
    assert response.content == b"ab"  # kept, unlike Django: the whole body is here


def test_a_body_sent_at_once_is_not_streaming() -> None:
    with Client(described_app()) as client:
        response = client.get("/items/5/")
    assert not response.streaming
    with pytest.raises(AttributeError, match="not streamed"):
        response.streaming_content  # noqa: B018

"""Template responses: rendered by the handler once the view has returned, under both servers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legato import App
from legato.http import HttpRequest, HttpResponse, HttpResponseBase
from legato.middleware import CsrfViewMiddleware, Middleware
from legato.shortcuts import render
from legato.templates import (
    ContentNotRenderedError,
    SimpleTemplateResponse,
    StreamingTemplateResponse,
    TemplateResponse,
)
from legato.test import AsyncClient
from legato.urls import path
from tests.handlers.test_wsgi import call_wsgi
from tests.parity import Both, ServeBoth
from tests.templates.conftest import WriteTemplates

PAGES = {
    "base.html": "<title>{% block title %}{% endblock %}</title>{% block body %}{% endblock %}",
    "page.html": (
        '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}'
        '{% block body %}<a href="{{ url("page", slug="next") }}">{{ request.path }}</a>'
        "{% endblock %}"
    ),
    "other.html": "other {{ title }}",
    "broken.html": "one\n{{ 1 // zero }}\nthree\n",
}


def each_server(served: Both, url: str, headers: dict[str, str] | None = None) -> list[Any]:
    """(status, text) from ASGI, then WSGI: for debug pages, which differ by request id."""
    asgi = served.client.get(url, headers=headers)
    wsgi = call_wsgi(served.wsgi, "GET", url, headers=headers)
    return [(asgi.status_code, asgi.text), (wsgi.status, wsgi.body.decode())]


@pytest.fixture
def directory(write_templates: WriteTemplates) -> Path:
    return write_templates(PAGES)


async def async_page(request: HttpRequest, slug: str) -> HttpResponseBase:
    return render(request, "page.html", {"title": f"<{slug}>"})


def sync_page(request: HttpRequest) -> HttpResponseBase:
    return render(request, "page.html", {"title": "sync"}, status=201)


def make_app(directory: Path, *views: Any, **settings: Any) -> Callable[[], App]:
    routes = [path("p/<slug>/", async_page, name="page"), path("sync/", sync_page), *views]
    return lambda: App(routes, templates=[directory], **settings)


def test_render_answers_with_the_rendered_page_from_async_and_sync_views(
    both: ServeBoth, directory: Path
) -> None:
    served = both(make_app(directory))
    page = served.get("/p/a/")
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text == '<title>&lt;a&gt;</title><a href="/p/next/">/p/a/</a>'
    assert page.headers["content-length"] == str(len(page.body))
    created = served.get("/sync/")
    assert (created.status, created.text) == (
        201,
        '<title>sync</title><a href="/p/next/">/sync/</a>',
    )


def test_url_in_a_template_has_the_script_prefix(both: ServeBoth, directory: Path) -> None:
    served = both(make_app(directory), script_name="/shop")
    assert 'href="/shop/p/next/"' in served.get("/p/a/").text


class RetitleMiddleware(Middleware):
    """Changes a template response before it is rendered, as Django's hook allows."""

    nonblocking = True

    def process_template_response(
        self, request: HttpRequest, response: TemplateResponse
    ) -> TemplateResponse:
        assert response.context_data is not None
        response.context_data = {**response.context_data, "title": "changed"}
        if request.GET.get("other"):
            response.template_name = "other.html"
        return response


class AsyncRetitleMiddleware(Middleware):
    async def process_template_response(
        self, request: HttpRequest, response: TemplateResponse
    ) -> TemplateResponse:
        await asyncio.sleep(0)
        assert response.context_data is not None
        response.context_data = {**response.context_data, "title": "async"}
        return response


class BlockingRetitleMiddleware(RetitleMiddleware):
    nonblocking = False  # so its hook runs in the pool under ASGI


@pytest.mark.parametrize(
    ("middleware", "title"),
    [
        (RetitleMiddleware, "changed"),
        (AsyncRetitleMiddleware, "async"),
        (BlockingRetitleMiddleware, "changed"),
    ],
)
def test_process_template_response_changes_the_context_before_rendering(
    both: ServeBoth, directory: Path, middleware: type[Middleware], title: str
) -> None:
    served = both(make_app(directory, middleware=[middleware]))
    assert served.get("/p/a/").text.startswith(f"<title>{title}</title>")


def test_process_template_response_may_change_the_template(
    both: ServeBoth, directory: Path
) -> None:
    served = both(make_app(directory, middleware=[RetitleMiddleware]))
    assert served.get("/p/a/?other=1").text == "other changed"


def test_a_process_template_response_hook_returning_none_is_a_server_error(
    both: ServeBoth, directory: Path
) -> None:
    class Forgetful(Middleware):
        nonblocking = True

        def process_template_response(self, request: HttpRequest, response: Any) -> None:
            return None

    assert both(make_app(directory, middleware=[Forgetful])).get("/p/a/").status == 500


def content_length_seen(get_response: Callable[..., Any]) -> Callable[..., Any]:
    """An ordinary middleware that reads the body, as GZip does."""

    async def middleware(request: HttpRequest) -> HttpResponseBase:
        response = await get_response(request)
        assert isinstance(response, HttpResponse)
        response["X-Seen-Length"] = str(len(response.content))
        return response

    middleware.async_capable = True  # type: ignore[attr-defined]
    middleware.sync_capable = False  # type: ignore[attr-defined]
    return middleware


content_length_seen.async_capable = True  # type: ignore[attr-defined]
content_length_seen.sync_capable = False  # type: ignore[attr-defined]


def sync_content_length_seen(get_response: Callable[..., Any]) -> Callable[..., Any]:
    """The same in a plain sync middleware: a thread, which waits for the loop to render."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        response["X-Seen-Length"] = str(len(response.content))
        return response  # type: ignore[no-any-return]

    return middleware


@pytest.mark.parametrize("middleware", [content_length_seen, sync_content_length_seen])
def test_middleware_sees_the_rendered_body(
    both: ServeBoth, directory: Path, middleware: Callable[..., Any]
) -> None:
    served = both(make_app(directory, middleware=[middleware]))
    for url in ("/p/a/", "/sync/"):
        page = served.get(url)
        assert page.headers["x-seen-length"] == str(len(page.body))


def test_a_template_response_from_process_view_is_rendered(
    both: ServeBoth, directory: Path
) -> None:
    class Interrupt(Middleware):
        nonblocking = True

        def process_view(self, request: HttpRequest, *args: Any) -> HttpResponseBase:
            return TemplateResponse(request, "other.html", {"title": "hooked"})

    assert both(make_app(directory, middleware=[Interrupt])).get("/p/a/").text == "other hooked"


def test_post_render_callbacks_run_after_rendering_and_may_replace_the_response(
    both: ServeBoth, directory: Path
) -> None:
    async def view(request: HttpRequest) -> HttpResponseBase:
        response = render(request, "other.html", {"title": "x"})

        def stamp(done: TemplateResponse) -> None:
            done["X-Length"] = str(len(done.content))

        async def replace(done: TemplateResponse) -> HttpResponse:
            await asyncio.sleep(0)
            return HttpResponse(done.content.upper())

        response.add_post_render_callback(stamp)
        response.add_post_render_callback(replace)
        return response

    answer = both(make_app(directory, path("cb/", view))).get("/cb/")
    assert answer.text == "OTHER X"
    assert "x-length" not in answer.headers  # the replacement is what is sent


def test_a_render_error_goes_to_process_exception_hooks(both: ServeBoth, directory: Path) -> None:
    class Rescue(Middleware):
        nonblocking = True

        def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse:
            return HttpResponse(f"rescued {type(exc).__name__}", status=503)

    async def broken(request: HttpRequest) -> HttpResponseBase:
        return render(request, "broken.html", {"zero": 0})

    served = both(make_app(directory, path("broken/", broken), middleware=[Rescue]))
    answer = served.get("/broken/")
    assert (answer.status, answer.text) == (503, "rescued ZeroDivisionError")


def test_an_error_view_may_render_a_template(
    both: ServeBoth, write_templates: WriteTemplates
) -> None:
    directory = write_templates({"404.html": "no {{ request.path }} here"})

    async def not_found(request: HttpRequest, exception: Exception) -> HttpResponseBase:
        return render(request, "404.html", status=404)

    served = both(lambda: App([], templates=[directory], handler404=not_found))
    answer = served.get("/gone/")
    assert (answer.status, answer.text) == (404, "no /gone/ here")


def test_csrf_input_is_empty_and_a_same_origin_form_post_passes(
    both: ServeBoth, write_templates: WriteTemplates
) -> None:
    directory = write_templates(
        {"form.html": '<form method="post">{{ csrf_input }}[{{ csrf_token }}]</form>'}
    )

    async def form(request: HttpRequest) -> HttpResponseBase:
        return render(request, "form.html", {"method": request.method})

    served = both(
        lambda: App([path("form/", form)], templates=[directory], middleware=[CsrfViewMiddleware])
    )
    assert served.get("/form/").text == '<form method="post">[]</form>'
    posted = served.post("/form/", {"x": "1"}, headers={"Origin": "http://testserver"})
    assert posted.status == 200


def test_content_before_rendering_raises_content_not_rendered() -> None:
    response = SimpleTemplateResponse("page.html")
    assert not response.is_rendered
    with pytest.raises(ContentNotRenderedError, match="arender"):
        _ = response.content
    with pytest.raises(ContentNotRenderedError):
        iter(response)
    response.content = b"set by hand"
    assert response.is_rendered
    assert response.content == b"set by hand"


@pytest.mark.anyio
async def test_a_response_renders_itself_with_using(directory: Path) -> None:
    app = App(templates=[directory])
    response = SimpleTemplateResponse("other.html", {"title": "t"}, using=app.templates)
    assert await response.arender() is response
    assert response.content == b"other t"
    assert response["Content-Length"] == "7"
    response.context_data = {"title": "ignored"}
    await response.arender()  # rendered once only
    assert response.content == b"other t"


@pytest.mark.anyio
async def test_render_on_the_loop_says_to_await_arender(directory: Path) -> None:
    response = SimpleTemplateResponse("other.html", using=App(templates=[directory]).templates)
    with pytest.raises(RuntimeError, match=r"await response\.arender\(\)"):
        response.render()
    with pytest.raises(RuntimeError, match=r"await response\.arender\(\)"):
        _ = response.rendered_content


def test_render_and_rendered_content_work_in_a_sync_view(both: ServeBoth, directory: Path) -> None:
    holder: dict[str, App] = {}

    def view(request: HttpRequest) -> HttpResponseBase:
        using = holder["app"].templates
        response = TemplateResponse(request, "other.html", {"title": "t"}, using=using)
        assert response.rendered_content == "other t"
        assert not response.is_rendered
        return HttpResponse(response.render().content + b"!")

    def factory() -> App:
        holder["app"] = App([path("v/", view)], templates=[directory])
        return holder["app"]

    assert both(factory).get("/v/").text == "other t!"


@pytest.mark.anyio
async def test_a_response_without_an_engine_says_where_one_comes_from() -> None:
    with pytest.raises(RuntimeError, match=r"using=app\.templates"):
        await SimpleTemplateResponse("x.html").arender()


def test_using_an_engine_name_is_refused() -> None:
    with pytest.raises(TypeError, match="one template engine per app"):
        SimpleTemplateResponse("x.html", using="jinja2")  # type: ignore[arg-type]


def test_a_template_error_is_a_plain_500_logged_with_the_template_line(
    both: ServeBoth, directory: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: HttpRequest) -> HttpResponseBase:
        return render(request, "broken.html", {"zero": 0})

    served = both(make_app(directory, path("broken/", broken)))
    with caplog.at_level(logging.ERROR, logger="legato.request"):
        answer = served.get("/broken/")
    assert answer.status == 500
    assert "broken.html" not in answer.text
    assert "Zero" not in answer.text
    record = next(r for r in caplog.records if r.getMessage() == "Internal Server Error: /broken/")
    assert record.exc_info is not None
    assert "In template broken.html, line 2." in getattr(record.exc_info[1], "__notes__", [])


def test_the_debug_page_shows_the_template_line_and_source(
    both: ServeBoth, directory: Path
) -> None:
    async def broken(request: HttpRequest) -> HttpResponseBase:
        return render(request, "broken.html", {"zero": 0})

    served = both(make_app(directory, path("broken/", broken), debug=True))
    for status, page in each_server(served, "/broken/", {"Accept": "text/html"}):
        assert status == 500
        assert "<h2>Template error</h2>" in page
        assert "In template <code>broken.html</code>, line 2" in page
        assert "<mark>   2 {{ 1 // zero }}</mark>" in page
        assert "   1 one" in page
        assert "   3 three" in page
    for _, text in each_server(served, "/broken/"):
        assert "Template broken.html, line 2:\n     1 one\n>    2 {{ 1 // zero }}\n" in text


def test_a_missing_template_page_names_the_directories(both: ServeBoth, directory: Path) -> None:
    async def missing(request: HttpRequest) -> HttpResponseBase:
        return render(request, "nope.html")

    served = both(make_app(directory, path("missing/", missing), debug=True))
    for status, text in each_server(served, "/missing/"):
        assert status == 500
        assert text.startswith(
            f"TemplateDoesNotExist: Template 'nope.html' does not exist. Searched: {directory}."
        )


def test_a_syntax_error_page_shows_the_line(
    both: ServeBoth, write_templates: WriteTemplates
) -> None:
    directory = write_templates({"bad.html": "fine\n{% if %}\n"})

    async def bad(request: HttpRequest) -> HttpResponseBase:
        return render(request, "bad.html")

    served = both(lambda: App([path("bad/", bad)], templates=[directory], debug=True))
    for status, text in each_server(served, "/bad/"):
        assert status == 500
        assert text.startswith("TemplateSyntaxError:")
        assert "Template bad.html, line 2:\n     1 fine\n>    2 {% if %}\n" in text


def test_a_streaming_template_arrives_whole(
    both: ServeBoth, write_templates: WriteTemplates
) -> None:
    directory = write_templates({"rows.html": "{% for n in rows %}<li>{{ n }}{% endfor %}"})

    async def rows(request: HttpRequest) -> HttpResponseBase:
        return StreamingTemplateResponse(request, "rows.html", {"rows": range(5000)})

    served = both(lambda: App([path("rows/", rows)], templates=[directory]))
    answer = served.get("/rows/")
    assert answer.text == "".join(f"<li>{n}" for n in range(5000))
    assert "content-length" not in answer.headers


def test_a_streaming_template_that_is_missing_is_an_error_page(
    both: ServeBoth, write_templates: WriteTemplates
) -> None:
    directory = write_templates({})

    async def rows(request: HttpRequest) -> HttpResponseBase:
        return StreamingTemplateResponse(request, "gone.html")

    served = both(lambda: App([path("rows/", rows)], templates=[directory], debug=True))
    for status, text in each_server(served, "/rows/"):
        assert status == 500
        assert text.startswith("TemplateDoesNotExist: Template 'gone.html' does not exist.")


@pytest.mark.anyio
async def test_a_streaming_template_sends_each_part_as_rendering_waits(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({"slow.html": "<head>{% for n in rows() %}<li>{{ n }}{% endfor %}"})
    gate = asyncio.Event()

    async def rows_after_gate() -> Any:
        await gate.wait()
        for n in range(3):
            yield n

    async def slow(request: HttpRequest) -> HttpResponseBase:
        return StreamingTemplateResponse(request, "slow.html", {"rows": rows_after_gate})

    app = App([path("slow/", slow)], templates=[directory])
    async with AsyncClient(app) as client, client.stream("GET", "/slow/") as response:
        chunks = response.aiter_chunks()
        # Sent while the rows are still awaited: the gate opens only after it arrives.
        assert await asyncio.wait_for(anext(chunks), timeout=10) == b"<head>"
        gate.set()
        assert b"".join([chunk async for chunk in chunks]) == b"<li>0<li>1<li>2"


def test_a_streaming_template_response_is_not_streamed_before_rendering() -> None:
    response = StreamingTemplateResponse(None, "x.html")
    with pytest.raises(ContentNotRenderedError):
        response.aiter_chunks()
    with pytest.raises(ContentNotRenderedError):
        response.iter_chunks()


def test_a_head_request_gets_the_headers_of_a_rendered_page(
    both: ServeBoth, directory: Path
) -> None:
    served = both(make_app(directory))
    answer = served.request("HEAD", "/p/a/")
    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-length"] == str(len(served.get("/p/a/").body))


@pytest.mark.anyio
async def test_a_client_leaving_a_streamed_page_stops_its_rendering(
    write_templates: WriteTemplates,
) -> None:
    directory = write_templates({"rows.html": "<h1>{% for n in rows() %}<li>{{ n }}{% endfor %}"})
    stopped = asyncio.Event()

    async def endless_rows() -> Any:
        try:
            n = 0
            while True:
                await asyncio.sleep(0.01)
                n += 1
                yield n
        finally:
            stopped.set()

    async def rows(request: HttpRequest) -> HttpResponseBase:
        return StreamingTemplateResponse(request, "rows.html", {"rows": endless_rows})

    app = App([path("rows/", rows)], templates=[directory])
    async with AsyncClient(app) as client:
        async with client.stream("GET", "/rows/") as response:
            chunks = response.aiter_chunks()
            assert await asyncio.wait_for(anext(chunks), timeout=10) == b"<h1>"
            assert await asyncio.wait_for(anext(chunks), timeout=10) == b"<li>1"
        await asyncio.wait_for(stopped.wait(), timeout=10)

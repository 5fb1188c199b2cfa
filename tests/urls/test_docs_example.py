"""The runnable example of docs/urls.md, as a test: the page's code, line for line.

It stays untyped, as users write it.
"""

# mypy: disable-error-code="no-untyped-def"


def test_docs_example_runs() -> None:
    from legato import App
    from legato.http import HttpResponse
    from legato.urls import include, path, re_path, register_converter, reverse, websocket

    class FourDigitYear:
        regex = "[0-9]{4}"

        def to_python(self, value):
            return int(value)  # raise ValueError here to mean "not this route"

        def to_url(self, value):
            return f"{value:04d}"

    register_converter(FourDigitYear, "yyyy")  # before the routes that use it

    async def index(request):
        return HttpResponse("home")

    async def post(request, year, slug):
        return HttpResponse(f"{year}: {slug}")

    async def archive(request, year, fmt):
        return HttpResponse(f"archive {year} as {fmt}")

    async def legacy(request, post_id):
        return HttpResponse(post_id)

    async def chat(ws, room):
        await ws.accept()

    blog_urls = (
        [
            path("<yyyy:year>/<slug:slug>/", post, name="post"),
            path("<yyyy:year>/", archive, {"fmt": "html"}, name="archive"),
            re_path(r"^legacy/(?P<post_id>[0-9]+)\.html$", legacy, name="legacy"),
        ],
        "blog",  # app_name; the namespace defaults to it
    )

    urlpatterns = [
        path("", index, name="index"),
        path("blog/", include(blog_urls)),
        websocket("ws/chat/<slug:room>/", chat, name="chat"),
    ]

    app = App(urlpatterns=urlpatterns)

    match = app.resolver.resolve("/blog/2024/hello-world/")
    assert match.func is post
    assert match.kwargs == {"year": 2024, "slug": "hello-world"}
    assert match.view_name == "blog:post"
    assert match.route == "blog/<yyyy:year>/<slug:slug>/"

    assert app.resolver.resolve("/blog/2024/").kwargs == {"year": 2024, "fmt": "html"}
    assert (
        reverse("blog:post", urlconf=app, args=[2024, "hello-world"]) == "/blog/2024/hello-world/"
    )
    assert reverse("blog:legacy", urlconf=app, kwargs={"post_id": 7}) == "/blog/legacy/7.html"
    assert app.resolver.should_append_slash("/blog/2024")

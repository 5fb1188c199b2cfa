"""Serving static files: every header case, under ASGI and WSGI alike (`both`)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest

from legato import App
from legato.http import HttpResponse
from legato.urls import path
from tests.parity import Both, ServeBoth
from tests.static.conftest import BIG, CSS, Tree


async def page(request: object) -> HttpResponse:
    return HttpResponse("page")


def development(tree: Tree, **settings: object) -> Callable[[], App]:
    return lambda: App([path("", page)], static_dirs=[str(tree.static)], **settings)


def production(tree: Tree) -> Callable[[], App]:
    return lambda: App([path("", page)], static_dirs=[str(tree.static)], static_root=str(tree.root))


def hashed(tree: Tree, name: str) -> str:
    paths: dict[str, str] = json.loads((tree.root / "staticfiles.json").read_text())["paths"]
    return paths[name]


# ---------------------------------------------------------------- development


def test_development_serves_source_file_with_short_max_age(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).get("/static/site.css")
    assert answer.status == 200
    assert answer.body == CSS
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=60"
    assert answer.headers["content-length"] == str(len(CSS))
    assert answer.headers["etag"].startswith('"')
    assert answer.headers["last-modified"].endswith(" GMT")
    assert answer.headers["accept-ranges"] == "bytes"


def test_development_max_age_is_configurable(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree, static_max_age=5)).get("/static/data/ten.txt")
    assert answer.headers["cache-control"] == "public, max-age=5"
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_binary_file_gets_its_type_without_charset(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).get("/static/logo.png")
    assert answer.headers["content-type"] == "image/png"


def test_development_sees_an_edited_file_at_once(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    pair.get("/static/data/ten.txt")
    (tree.static / "data" / "ten.txt").write_bytes(b"changed")
    assert pair.get("/static/data/ten.txt").body == b"changed"


def test_missing_file_falls_through_to_the_apps_404(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    assert pair.get("/static/nope.css").status == 404
    assert pair.get("/").body == b"page"


def test_head_sends_headers_without_body(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).request("HEAD", "/static/site.css")
    assert answer.status == 200
    assert answer.body == b""
    assert answer.headers["content-length"] == str(len(CSS))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405(both: ServeBoth, tree: Tree, method: str) -> None:
    answer = both(development(tree)).request(method, "/static/site.css")
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, HEAD"


# ---------------------------------------------------------------- conditional requests


def test_if_none_match_gives_304(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    etag = pair.get("/static/site.css").headers["etag"]
    answer = pair.get("/static/site.css", headers={"If-None-Match": etag})
    assert answer.status == 304
    assert answer.body == b""
    assert answer.headers["etag"] == etag
    assert pair.get("/static/site.css", headers={"If-None-Match": '"other"'}).status == 200


def test_if_modified_since_gives_304_when_not_newer(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    modified = pair.get("/static/site.css").headers["last-modified"]
    assert pair.get("/static/site.css", headers={"If-Modified-Since": modified}).status == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert pair.get("/static/site.css", headers={"If-Modified-Since": old}).status == 200


@pytest.mark.parametrize("date", ["yesterday", "Mon, 99 Jan 2001 00:00:00 GMT", "0", "\u00e9"])
def test_bad_if_modified_since_is_ignored(both: ServeBoth, tree: Tree, date: str) -> None:
    answer = both(development(tree)).get("/static/site.css", headers={"If-Modified-Since": date})
    assert answer.status == 200
    assert answer.body == CSS


def test_if_none_match_wins_over_if_modified_since(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    modified = pair.get("/static/site.css").headers["last-modified"]
    headers = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert pair.get("/static/site.css", headers=headers).status == 200


# ---------------------------------------------------------------- ranges


def test_range_gives_206_with_the_bytes(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).get("/static/data/ten.txt", headers={"Range": "bytes=2-4"})
    assert answer.status == 206
    assert answer.body == b"234"
    assert answer.headers["content-range"] == "bytes 2-4/10"
    assert answer.headers["content-length"] == "3"


def test_suffix_range_gives_the_last_bytes(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).get("/static/data/ten.txt", headers={"Range": "bytes=-3"})
    assert (answer.status, answer.body) == (206, b"789")


def test_range_out_of_bounds_gives_416(both: ServeBoth, tree: Tree) -> None:
    answer = both(development(tree)).get("/static/data/ten.txt", headers={"Range": "bytes=10-"})
    assert answer.status == 416
    assert answer.headers["content-range"] == "bytes */10"
    assert answer.body == b""


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=5-1", "lines=1-2", "bytes=x-"])
def test_several_or_bad_ranges_give_the_whole_file(
    both: ServeBoth, tree: Tree, header: str
) -> None:
    answer = both(development(tree)).get("/static/data/ten.txt", headers={"Range": header})
    assert (answer.status, answer.body) == (200, b"0123456789")


def test_if_range_with_a_stale_etag_gives_the_whole_file(both: ServeBoth, tree: Tree) -> None:
    pair = both(development(tree))
    etag = pair.get("/static/data/ten.txt").headers["etag"]
    fresh = {"Range": "bytes=0-0", "If-Range": etag}
    assert pair.get("/static/data/ten.txt", headers=fresh).status == 206
    stale = {"Range": "bytes=0-0", "If-Range": '"stale"'}
    assert pair.get("/static/data/ten.txt", headers=stale).status == 200


# ---------------------------------------------------------------- production


def test_hashed_name_is_immutable(both: ServeBoth, tree: Tree) -> None:
    answer = both(production(tree)).get("/static/" + hashed(tree, "site.css"))
    assert answer.status == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.body == CSS


def test_unhashed_name_in_root_has_short_max_age(both: ServeBoth, tree: Tree) -> None:
    answer = both(production(tree)).get("/static/site.css")
    assert answer.headers["cache-control"] == "public, max-age=60"


def test_production_serves_only_the_collected_files(both: ServeBoth, tree: Tree) -> None:
    pair = both(production(tree))
    (tree.static / "late.css").write_text("late")
    assert pair.get("/static/late.css").status == 404
    assert pair.get("/static/staticfiles.json").status == 404


@pytest.mark.parametrize(
    ("accept", "coding", "decode"),
    [
        ("gzip, deflate, br", "br", brotli.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("br", "br", brotli.decompress),
        ("identity", None, bytes),
        ("br;q=0, gzip;q=0", None, bytes),
    ],
)
def test_accept_encoding_picks_the_precompressed_copy(
    both: ServeBoth, tree: Tree, accept: str, coding: str | None, decode: Callable[[bytes], bytes]
) -> None:
    answer = both(production(tree)).get(
        "/static/" + hashed(tree, "site.css"), headers={"Accept-Encoding": accept}
    )
    assert answer.headers.get("content-encoding") == coding
    assert answer.headers["vary"] == "Accept-Encoding"
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.headers["content-length"] == str(len(answer.body))
    assert decode(answer.body) == CSS


def test_each_coding_has_its_own_etag(both: ServeBoth, tree: Tree) -> None:
    pair = both(production(tree))
    tags = {
        pair.get("/static/site.css", headers={"Accept-Encoding": accept}).headers["etag"]
        for accept in ("br", "gzip", "identity")
    }
    assert len(tags) == 3


def test_304_keeps_vary(both: ServeBoth, tree: Tree) -> None:
    pair = both(production(tree))
    first = pair.get("/static/site.css", headers={"Accept-Encoding": "br"})
    again = pair.get(
        "/static/site.css",
        headers={"Accept-Encoding": "br", "If-None-Match": first.headers["etag"]},
    )
    assert again.status == 304
    assert again.headers["vary"] == "Accept-Encoding"


def test_range_applies_to_the_chosen_representation(both: ServeBoth, tree: Tree) -> None:
    answer = both(production(tree)).get(
        "/static/site.css", headers={"Accept-Encoding": "identity", "Range": "bytes=0-3"}
    )
    assert (answer.status, answer.body) == (206, CSS[:4])


def test_served_under_a_mount_point(both: ServeBoth, tree: Tree) -> None:
    pair: Both = both(development(tree), script_name="/shop")
    assert pair.get("/static/data/ten.txt").body == b"0123456789"


# ---------------------------------------------------------------- traversal

TRAVERSALS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E%2Fsecret.txt",
    "/static/data/../../secret.txt",
    "/static/..%5csecret.txt",
    "/static/..\\secret.txt",
    "/static/data%00/ten.txt",
    "/static/ten.txt%00.css",
    "/static//etc/passwd",
    "/static/%2fetc/passwd",
    "/static/out",
    "/static/up/secret.txt",
    "/static/./site.css",
    "/static/data//ten.txt",
]


@pytest.mark.parametrize("url", TRAVERSALS)
@pytest.mark.parametrize("mode", [development, production])
def test_traversal_attempts_get_404(
    both: ServeBoth, tree: Tree, url: str, mode: Callable[[Tree], Callable[[], App]]
) -> None:
    answer = both(mode(tree)).get(url)
    assert answer.status == 404
    assert b"TOP-SECRET" not in answer.body


def test_collectstatic_skips_symlinks_out_of_the_source(tree: Tree) -> None:
    assert not (tree.root / "out").exists()
    assert not (tree.root / "up").exists()
    assert "out" not in json.loads((tree.root / "staticfiles.json").read_text())["paths"]


def test_static_files_sit_before_middleware(both: ServeBoth, tree: Tree) -> None:
    def refuse_all(get_response: object) -> Callable[[object], HttpResponse]:
        return lambda request: HttpResponse("middleware", status=418)

    pair = both(lambda: App([], middleware=[refuse_all], static_dirs=[str(tree.static)]))
    assert pair.get("/static/data/ten.txt").status == 200
    assert pair.get("/static/missing.txt").status == 418


def test_secret_file_exists_for_the_traversal_tests(tree: Tree) -> None:
    assert Path(tree.secret).read_bytes().startswith(b"TOP-SECRET")


def test_file_removed_after_start_up_gets_the_apps_404(both: ServeBoth, tree: Tree) -> None:
    pair = both(production(tree))
    pair.get("/")  # both copies started: their tables are built
    (tree.root / hashed(tree, "video.bin")).unlink()
    assert pair.get("/static/" + hashed(tree, "video.bin")).status == 404


def test_small_files_are_kept_from_start_up(both: ServeBoth, tree: Tree) -> None:
    pair = both(production(tree))
    pair.get("/")
    (tree.root / hashed(tree, "logo.png")).unlink()
    assert pair.get("/static/" + hashed(tree, "logo.png")).status == 200


@pytest.mark.parametrize("mode", [development, production])
def test_large_file_is_streamed_whole_and_by_range(
    both: ServeBoth, tree: Tree, mode: Callable[[Tree], Callable[[], App]]
) -> None:
    pair = both(mode(tree))
    assert pair.get("/static/video.bin").body == BIG
    tail = pair.get("/static/video.bin", headers={"Range": "bytes=100000-"})
    assert (tail.status, tail.body) == (206, BIG[100000:])

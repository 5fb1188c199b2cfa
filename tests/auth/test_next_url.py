"""`next` after a login: whatever a client sends, the browser stays on this site."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from legato.auth.views import safe_next_url

EVIL = ["//evil.example", "https://evil.example", "/\\evil.example", "\\/evil.example"]


def request_with(next_url: str, *, in_query: bool = False) -> SimpleNamespace:
    given = {"next": next_url}
    return SimpleNamespace(POST={} if in_query else given, GET=given if in_query else {})


def test_local_paths_are_kept() -> None:
    for url in ["/", "/orders/?page=2", "/a/b#c", "relative/path"]:
        assert safe_next_url(request_with(url)) == url
        assert safe_next_url(request_with(url, in_query=True)) == url


def test_urls_of_other_sites_are_dropped() -> None:
    for url in [*EVIL, "http://testserver/x", "javascript:alert(1)", "///evil.example", ""]:
        assert safe_next_url(request_with(url)) is None


@given(st.text(alphabet=st.sampled_from("/\\:.@?#%ae \t\x00\x08"), max_size=12))
@example("/\\evil.example")
@example("\\/evil.example")
def test_whatever_is_kept_names_no_host(url: str) -> None:
    kept = safe_next_url(request_with(url))
    if kept is not None:
        for reading in (kept, kept.replace("\\", "/")):
            parts = urlsplit(reading.strip())
            assert not parts.netloc
            assert not parts.scheme
            assert not reading.strip().startswith("//")

"""URLs assembled from the pieces open-redirect tricks are made of (shared by the tests of
`url_has_allowed_host_and_scheme` in Python and in Chromium)."""

from __future__ import annotations

from hypothesis import strategies as st

ALLOWED = frozenset({"testserver", "bücher.example"})

LEADING = ["", "", " ", "\t", "\x00", "\x08", "\x7f", "\u200b", "\n"]
SCHEMES = ["", "", "", "http:", "https:", "HTTPS:", "ftp:", "javascript:", "data:", "mailto:"]
SLASHES = ["", "/", "//", "//", "///", "\\", "\\\\", "/\\", "\\/", "/\t/", "/%2F", "\\\t\\"]
USERINFO = ["", "", "", "user@", "testserver@", "evil.example\\@", ":@", "testserver:x@"]
HOSTS = [
    "testserver",
    "testserver",
    "TESTSERVER",
    "evil.example",
    "evil.example.",
    "testserver.evil.example",
    "\uff45\uff56\uff49\uff4c.example",
    "evil\u3002example",
    "bücher.example",
    "xn--bcher-kva.example",
    "BÜCHER.example",
    "127.0.0.1",
    "[::1]",
    "[::1",
    "",
]
PORTS = ["", "", "", ":80", ":443", ":", ":x"]
RESTS = ["", "/", "/path/", "?next=//evil.example", "#/evil", "\\@evil.example", "@evil.example"]


@st.composite
def tricky_urls(draw: st.DrawFn) -> str:
    pieces = [LEADING, SCHEMES, SLASHES, USERINFO, HOSTS, PORTS, RESTS]
    return "".join(draw(st.sampled_from(choices)) for choices in pieces)


any_urls = st.one_of(tricky_urls(), st.text(max_size=40))

"""Read an Accept-Encoding header (RFC 9110, section 12.5.3): which codings a client takes.

`parse_accept_encoding(header)` maps each coding named to its quality, lower-cased;
`q=0` means the client refuses it. `preferred_coding(header, offered)` picks, from the
codings the server can produce (in the server's order of preference), the one the
client rates highest; a tie goes to the server's order, and `*` stands for every coding
the header does not name. A coding the client does not name, without a `*`, is not
taken: a missing header means "no preference", and Legato then sends the body as it is.

A request's header is client data: nothing here raises on any value.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["parse_accept_encoding", "preferred_coding"]


def parse_accept_encoding(header: str) -> dict[str, float]:
    """Each coding in `header` with its quality (0 to 1); a repeated coding keeps its first."""
    codings: dict[str, float] = {}
    for item in header.split(","):
        coding, _, parameters = item.partition(";")
        coding = coding.strip().lower()
        if coding and coding not in codings:
            codings[coding] = _quality(parameters)
    return codings


def preferred_coding(header: str, offered: Sequence[str]) -> str | None:
    """The coding of `offered` the client rates highest (not 0), or None if it takes none."""
    codings = parse_accept_encoding(header)
    anything = codings.get("*", 0.0)
    best: str | None = None
    best_quality = 0.0
    for coding in offered:
        quality = codings.get(coding, anything)
        if quality > best_quality:  # strictly: a tie keeps the server's earlier choice
            best, best_quality = coding, quality
    return best


def _quality(parameters: str) -> float:
    """The `q` of `;q=0.5`; 1 when absent; 0 (refused) when it is not a number from 0 to 1."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            quality = float(value.strip())
        except ValueError:
            return 0.0
        # NaN fails both comparisons; an unreadable quality is no consent to a coding.
        return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0

"""Find the routes a path may match from its segments, in declaration order.

A route is described by a `RouteKey`: one `Segment` for each "/"-separated segment every
path it matches has ("items" exactly, or a segment holding converters, known by the
literal text it starts or ends with), then either the end of the path or, when the rest
of the route cannot be cut into segments (a `path:` converter, a re_path() regex), the
literal text that rest starts with. A key is a necessary condition, never a sufficient
one: the route's own regex and converters still decide.

`SegmentIndex` is a trie over those keys. A lookup follows, segment by segment, every
branch the path's segment allows (its exact text, and the converter segments whose
literal start or end it has), collects the routes whose key ends where the path ends and
the open-ended routes whose literal text starts the rest of the path, and returns them
sorted by declaration rank. It visits each trie node at most once, so its work is bounded
by the trie's size however keys overlap; routes that differ only after a converter
(`<slug:s>/x1/`, `<slug:s>/x2/`, ...) are told apart by a dict probe, not tried one by one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Generic, TypeVar

from legato.urls._regex import stays_in_segment
from legato.urls._tree import Level
from legato.urls._trie import PrefixIndex
from legato.urls.patterns import RoutePattern

__all__ = ["RouteKey", "Segment", "SegmentIndex", "route_key"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Segment:
    """A path segment that is `text` exactly, or (not exact) holds a converter between the
    literal `text` it starts with and the literal `end` it ends with."""

    text: str
    exact: bool = True
    end: str = ""


@dataclass(frozen=True, slots=True)
class RouteKey:
    """The segments every matching path starts with; then the path ends (`rest` is None), or
    its rest, unknown, starts with the literal `rest`."""

    segments: tuple[Segment, ...]
    rest: str | None = None


class _Mark(enum.Enum):
    CONVERTER = "a converter whose matches never hold a '/'"
    OPEN = "text the key cannot describe: a regex, or a converter that may span segments"


def route_key(levels: tuple[Level, ...]) -> RouteKey:
    """The segments of every path the route matches, as far as its patterns tell.

    Paths are "/" + what each level matched, one level after the other; when no converter
    can match a "/", every "/" of such a path comes from the route's literal text, so the
    path's segments line up one to one with the route's.
    """
    segments: list[Segment] = []
    # The current segment's literal start, and once it holds a converter, the literal text
    # after its last converter (None before that).
    start, end = "", None
    for atom in _atoms(levels):
        if atom is _Mark.OPEN:
            return RouteKey(tuple(segments), rest=start)
        if atom is _Mark.CONVERTER:
            end = ""
            continue
        first, *others = atom.split("/")
        if end is None:
            start += first
        else:
            end += first
        for piece in others:
            segments.append(_segment(start, end))
            start, end = piece, None
    segments.append(_segment(start, end))
    return RouteKey(tuple(segments))


def _segment(start: str, end: str | None) -> Segment:
    return Segment(start) if end is None else Segment(start, exact=False, end=end)


def _atoms(levels: tuple[Level, ...]) -> Iterator[str | _Mark]:
    # The route's text in order: literal text, segment-bound converters, and at most one
    # OPEN, after which nothing is known.
    for level in levels:
        pattern = level.pattern
        if isinstance(pattern, RoutePattern):
            for part in pattern.parts:
                if isinstance(part, str):
                    yield part
                elif stays_in_segment(pattern.converters[str(part.name)].regex):
                    yield _Mark.CONVERTER
                else:
                    yield _Mark.OPEN
                    return
        elif pattern.literal is not None:
            yield pattern.literal
        else:
            # A regex searched from the start of what is left; anchored, it begins with
            # its literal prefix.
            yield pattern.literal_prefix if pattern.anchored else ""
            yield _Mark.OPEN
            return


class _Node(Generic[T]):
    __slots__ = (
        "by_end",
        "by_start",
        "default",
        "depth",
        "done",
        "open",
        "plain",
        "rest",
        "table",
    )

    def __init__(self, depth: int) -> None:
        self.depth = depth  # which "/"-separated part of a path it reads (0: before the "/")
        # `table` maps a segment to every child it leads to: its exact child and the
        # converter child with no literal start or end; `default` is that converter child
        # alone, for any other segment. Both are built once, so the common step is one
        # dict probe.
        self.table: dict[str, tuple[_Node[T], ...]] = {}
        self.default: tuple[_Node[T], ...] = ()
        self.by_start: PrefixIndex[_Node[T]] | None = None
        self.by_end: PrefixIndex[_Node[T]] | None = None  # keyed by the reversed literal end
        self.done: tuple[T, ...] = ()  # keys that end here: the path must end too
        # Open-ended keys: those whose rest may be anything, and those whose rest starts
        # with some literal text, by that text.
        self.open: tuple[T, ...] = ()
        self.rest: PrefixIndex[T] | None = None
        self.plain = True  # no partial children and no open-ended keys: `table` says it all

    def children(self, segment: str) -> tuple[_Node[T], ...]:
        """The children whose segment `segment` may be."""
        children = self.table.get(segment, self.default)
        if self.by_start is not None:
            children += self.by_start.candidates(segment)
        if self.by_end is not None:
            children += self.by_end.candidates(segment[::-1])
        return children


class _Draft(Generic[T]):
    """A trie node while keys are added; `_build` turns it into a `_Node`."""

    __slots__ = ("done", "ends", "exact", "rest", "starts", "wild")

    def __init__(self) -> None:
        self.exact: dict[str, _Draft[T]] = {}
        self.starts: dict[str, _Draft[T]] = {}
        self.ends: dict[str, _Draft[T]] = {}
        self.wild: _Draft[T] | None = None
        self.done: list[T] = []
        self.rest: list[tuple[str, T]] = []

    def child(self, segment: Segment) -> _Draft[T]:
        if segment.exact:
            table, label = self.exact, segment.text
        elif segment.text:
            table, label = self.starts, segment.text
        elif segment.end:
            table, label = self.ends, segment.end[::-1]
        else:
            if self.wild is None:
                self.wild = _Draft()
            return self.wild
        if label not in table:
            table[label] = _Draft()
        return table[label]


class SegmentIndex(Generic[T]):
    __slots__ = ("_ranks", "_top")

    def __init__(self, entries: Iterable[tuple[RouteKey, T]]) -> None:
        """Index `(key, item)` pairs given in priority order (an item is told apart from
        the others by identity; given twice, it keeps its first rank)."""
        root: _Draft[T] = _Draft()
        # Every list in the trie is in priority order; merging several needs the ranks.
        self._ranks: dict[int, int] = {}
        for rank, (key, item) in enumerate(entries):
            self._ranks.setdefault(id(item), rank)
            node = root
            for segment in key.segments:
                node = node.child(segment)
            if key.rest is None:
                node.done.append(item)
            else:
                node.rest.append((key.rest, item))
        top: _Node[T] = _Node(0)
        top.table[""] = (_build(root),)
        self._top: tuple[_Node[T], ...] = (top,)

    def candidates(self, path: str) -> tuple[T, ...]:
        """The items whose key `path` (with its leading "/") satisfies, in priority order."""
        found: list[tuple[T, ...]] = []  # from open-ended keys
        # The nodes reached, all at one depth. The first segment is what precedes the
        # leading "/": the top node leads on only when it is empty.
        frontier: Sequence[_Node[T]] = self._top
        segments = path.split("/")
        for segment in segments:
            if len(frontier) == 1:
                node = frontier[0]
                if node.plain:  # the usual step, kept to a dict probe
                    frontier = node.table.get(segment, node.default)
                    continue
            if not frontier:
                break
            frontier = _step(frontier, segments, path, found)
        if not found and len(frontier) == 1:
            return frontier[0].done
        if not frontier and len(found) == 1:  # an open-ended key's routes, alone
            return found[0]
        return self._merge(found, frontier)

    def _merge(self, found: list[tuple[T, ...]], frontier: Sequence[_Node[T]]) -> tuple[T, ...]:
        # `frontier` is empty when some segment of the path led nowhere.
        sources = [items for items in chain(found, (node.done for node in frontier)) if items]
        if len(sources) == 1:
            return sources[0]
        ranks = self._ranks
        return tuple(sorted(chain.from_iterable(sources), key=lambda item: ranks[id(item)]))


def _step(
    frontier: Sequence[_Node[T]],
    segments: list[str],
    path: str,
    found: list[tuple[T, ...]],
) -> list[_Node[T]]:
    depth = frontier[0].depth  # every node of the frontier has the same
    segment = segments[depth]
    following: list[_Node[T]] = []
    for node in frontier:
        if node.open:
            found.append(node.open)
        if node.rest is not None:
            # An open-ended key's rest starts where the segment at `depth` does.
            start = len("/".join(segments[:depth])) + 1
            found.append(node.rest.candidates(path, start))
        following += node.children(segment)
    return following


def _build(root: _Draft[T]) -> _Node[T]:
    # Iterative: a route of thousands of segments must not hit the recursion limit.
    built: _Node[T] = _Node(1)
    stack = [(root, built)]
    while stack:
        draft, node = stack.pop()
        node.done = tuple(draft.done)
        node.open = tuple(item for text, item in draft.rest if not text)
        led = [(text, item) for text, item in draft.rest if text]
        node.rest = PrefixIndex(led) if led else None
        depth = node.depth + 1
        node.default = (_adopt(draft.wild, depth, stack),) if draft.wild is not None else ()
        node.table = {
            label: (_adopt(child, depth, stack), *node.default)
            for label, child in draft.exact.items()
        }
        if draft.starts:
            starts = draft.starts.items()
            node.by_start = PrefixIndex((k, _adopt(c, depth, stack)) for k, c in starts)
        if draft.ends:
            ends = draft.ends.items()
            node.by_end = PrefixIndex((k, _adopt(c, depth, stack)) for k, c in ends)
        node.plain = not (draft.starts or draft.ends or draft.rest)
    return built


def _adopt(draft: _Draft[T], depth: int, stack: list[tuple[_Draft[T], _Node[T]]]) -> _Node[T]:
    node: _Node[T] = _Node(depth)
    stack.append((draft, node))
    return node

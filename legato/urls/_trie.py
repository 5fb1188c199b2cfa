"""Find the routes whose literal prefix starts a path, in declaration order.

A radix tree keyed by each route's literal prefix. Every node keeps, precomputed, the
routes of all its ancestors and its own, sorted by declaration rank; a lookup walks as
deep as the path allows (one dict probe and one startswith per branching point) and
returns that node's list. No route whose prefix does not start the path is returned,
and every route whose prefix does is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["PrefixIndex"]

T = TypeVar("T")


class _Node(Generic[T]):
    __slots__ = ("candidates", "children", "label", "own")

    def __init__(self, label: str) -> None:
        self.label = label
        self.children: dict[str, _Node[T]] = {}
        self.own: list[tuple[int, T]] = []
        self.candidates: tuple[T, ...] = ()


class PrefixIndex(Generic[T]):
    __slots__ = ("_root",)

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        """Index `(prefix, item)` pairs given in priority order."""
        self._root: _Node[T] = _Node("")
        for rank, (prefix, item) in enumerate(entries):
            _insert(self._root, prefix).own.append((rank, item))
        _finish(self._root)

    def candidates(self, text: str, pos: int = 0) -> tuple[T, ...]:
        """The items whose prefix starts `text[pos:]`, in priority order."""
        node = self._root
        end = len(text)
        while pos < end:
            child = node.children.get(text[pos])
            if child is None:
                break
            label = child.label
            if not text.startswith(label, pos):
                break
            node = child
            pos += len(label)
        return node.candidates


def _insert(root: _Node[T], key: str) -> _Node[T]:
    node = root
    pos = 0
    while pos < len(key):
        child = node.children.get(key[pos])
        if child is None:
            child = node.children[key[pos]] = _Node(key[pos:])
        else:
            shared = _shared_length(child.label, key, pos)
            if shared < len(child.label):
                child = _split(node, child, shared)
        node = child
        pos += len(child.label)
    return node


def _shared_length(label: str, key: str, pos: int) -> int:
    length = 0
    limit = min(len(label), len(key) - pos)
    while length < limit and label[length] == key[pos + length]:
        length += 1
    return length


def _split(parent: _Node[T], child: _Node[T], at: int) -> _Node[T]:
    middle: _Node[T] = _Node(child.label[:at])
    child.label = child.label[at:]
    middle.children[child.label[0]] = child
    parent.children[middle.label[0]] = middle
    return middle


def _finish(root: _Node[T]) -> None:
    # Iterative: nested prefixes ("a", "aa", "aaa", ...) may be deeper than the recursion limit.
    stack: list[tuple[_Node[T], list[tuple[int, T]]]] = [(root, [])]
    while stack:
        node, inherited = stack.pop()
        ranked = sorted(inherited + node.own, key=lambda pair: pair[0])
        node.candidates = tuple(item for _, item in ranked)
        stack.extend((child, ranked) for child in node.children.values())

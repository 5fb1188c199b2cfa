"""Read the top-level structure of a user's re_path() regex, once, at registration.

The resolver needs two facts from a regex: the literal text every match starts with
(to index the route), and whether the whole regex is one literal (to make it a static
route); the forms reverse() fills in come from _normalize.py. The scanner here is
conservative: when unsure it reports less literal text, never more, so the worst outcome of a
construct it does not understand is a slower lookup, not a wrong one. The same holds for
`stays_in_segment`, asked of every converter's regex: it answers True only when it can
prove that no match holds a "/".
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Param", "RegexShape", "analyse", "compile_regex", "stays_in_segment"]

# Flags that change what a literal character or an anchor matches.
_OPAQUE_FLAGS = re.IGNORECASE | re.VERBOSE | re.MULTILINE | re.LOCALE
_META = frozenset("\\.^$*+?{[|()")
_QUANTIFIER = re.compile(r"\{[0-9]*(?:,[0-9]*)?\}")
_FLAGS_GROUP = re.compile(r"\(\?[aiLmsux]+\)")


def compile_regex(text: str) -> re.Pattern[str]:
    # One seam for every regex the URL layer compiles: tests count matches through it.
    return re.compile(text)


@dataclass(frozen=True, slots=True)
class Param:
    """A captured group in a reverse template; `name` is None for an unnamed group.

    An unnamed group's `index` is its place among its level's unnamed groups (reverse()
    names it `_<n>`, counting the levels above, as Django does).
    """

    name: str | None
    index: int = 0


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # lit, group, inner, look, skip, start, end, quant, alt, other
    text: str = ""
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RegexShape:
    anchored: bool
    literal_prefix: str
    literal: str | None


def analyse(text: str, compiled: re.Pattern[str], endpoint: bool) -> RegexShape:
    """Describe `text` as matched by Django's rule (fullmatch for endpoints ending in $)."""
    tokens = _tokenize(text)
    fullmatch = endpoint and text.endswith("$")
    body = _strip_leading(tokens)
    anchored = fullmatch or any(t.kind == "start" for t in tokens[: len(tokens) - len(body)])
    opaque = bool(compiled.flags & _OPAQUE_FLAGS) or any(t.kind == "alt" for t in tokens)
    prefix = "" if opaque or not anchored else _literal_prefix(body)
    literal = None if opaque or not anchored else _whole_literal(body, endpoint, fullmatch)
    return RegexShape(anchored, prefix, literal)


def _strip_leading(tokens: list[_Token]) -> list[_Token]:
    index = 0
    while index < len(tokens) and tokens[index].kind in ("skip", "start"):
        index += 1
    return tokens[index:]


def _literal_prefix(body: list[_Token]) -> str:
    chars: list[str] = []
    for index, token in enumerate(body):
        if token.kind == "skip":
            continue
        if token.kind != "lit":
            break
        following = body[index + 1] if index + 1 < len(body) else None
        if following is not None and following.kind == "quant":
            break  # the quantifier may repeat or drop this character
        chars.append(token.text)
    return "".join(chars)


def _whole_literal(body: list[_Token], endpoint: bool, fullmatch: bool) -> str | None:
    kinds = [t.kind for t in body if t.kind != "skip"]
    ends = bool(kinds) and kinds[-1] == "end"
    if ends:
        kinds.pop()
    if any(kind != "lit" for kind in kinds):
        return None
    # An endpoint must be pinned at its end; an include prefix must not be (it is a prefix).
    if endpoint and not (ends or fullmatch):
        return None
    if not endpoint and ends:
        return None
    return "".join(t.text for t in body if t.kind == "lit")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        token, index = _next_token(text, index)
        if token.kind == "start" and any(t.kind != "skip" for t in tokens):
            token = _Token("other", "'^' or \\A after the start")
        tokens.append(token)
    return tokens


def _next_token(text: str, index: int) -> tuple[_Token, int]:
    char = text[index]
    if char not in _META:
        return _Token("lit", char), index + 1
    if char == "\\":
        return _escape(text, index)
    if char == "(":
        return _group(text, index)
    if char == "[":
        return _Token("other", "a character class [...]"), _class_end(text, index)
    return _operator(text, index)


def _operator(text: str, index: int) -> tuple[_Token, int]:
    char = text[index]
    if char in "*+?":
        end = index + 1
        if end < len(text) and text[end] in "?+":
            end += 1  # lazy or possessive form
        return _Token("quant", text[index:end]), end
    if char == "{":
        quantifier = _QUANTIFIER.match(text, index)
        if quantifier is None:
            return _Token("other", "a literal '{'"), index + 1
        return _Token("quant", quantifier.group()), quantifier.end()
    if char == "^":
        return _Token("start"), index + 1
    if char == "$":
        last = index == len(text) - 1
        return (_Token("end") if last else _Token("other", "'$'")), index + 1
    if char == "|":
        return _Token("alt"), index + 1
    return _Token("other", "'.'" if char == "." else repr(char)), index + 1


def _escape(text: str, index: int) -> tuple[_Token, int]:
    if index + 1 >= len(text):
        return _Token("other", "a trailing backslash"), index + 1
    char = text[index + 1]
    if not char.isalnum():
        return _Token("lit", char), index + 2
    if char == "A":
        return _Token("start"), index + 2
    if char == "Z" and index + 2 == len(text):
        return _Token("end"), index + 2
    return _Token("other", f"the escape \\{char}"), index + 2


def _group(text: str, index: int) -> tuple[_Token, int]:
    end = _group_end(text, index)
    inside = text[index + 1 : end - 1]
    if not inside.startswith("?"):
        return _Token("group"), end
    if inside.startswith("?P<"):
        return _Token("group", name=inside[3 : inside.index(">")]), end
    if inside.startswith("?:"):
        return _Token("inner", inside[2:]), end
    if inside.startswith(("?=", "?!", "?<=", "?<!")):
        return _Token("look"), end
    if inside.startswith("?#") or _FLAGS_GROUP.fullmatch(text, index, end):
        return _Token("skip"), end
    return _Token("other", f"the group ({inside})"), end


def _group_end(text: str, index: int) -> int:
    depth = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(text, index)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        index += 1
        if depth == 0:
            return index
    return index


def _class_end(text: str, index: int) -> int:
    index += 1
    if index < len(text) and text[index] == "^":
        index += 1
    if index < len(text) and text[index] == "]":
        index += 1  # a ']' first in the class is a literal
    while index < len(text) and text[index] != "]":
        index += 2 if text[index] == "\\" else 1
    return index + 1


@functools.lru_cache(maxsize=256)
def stays_in_segment(regex: str) -> bool:
    """True when no text `regex` matches can hold a "/", so it never spans path segments."""
    # The standard library's own parser reads the regex exactly as `re` will; it is private,
    # so any surprise from it (a renamed module, a new opcode) answers False: the route is
    # then indexed by less of its text, never wrongly.
    try:
        parsed = importlib.import_module("re._parser").parse(regex)
        return _confined(parsed)
    except Exception:
        return False


_SLASH = ord("/")
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
# Items that consume nothing, or repeat a group whose own items are checked where it is.
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT", "GROUPREF"})
_SAFE_CATEGORIES = frozenset(
    (
        "CATEGORY_DIGIT",
        "CATEGORY_SPACE",
        "CATEGORY_WORD",
        "CATEGORY_LOC_WORD",
        "CATEGORY_UNI_DIGIT",
        "CATEGORY_UNI_SPACE",
        "CATEGORY_UNI_WORD",
    )
)  # \d \s \w in every flavour: none holds "/"


def _confined(items: Iterable[tuple[Any, Any]]) -> bool:
    return all(_item_confined(str(op), value) for op, value in items)


def _item_confined(op: str, value: Any) -> bool:
    if op == "LITERAL":
        return bool(value != _SLASH)
    if op == "NOT_LITERAL":
        return bool(value == _SLASH)
    if op == "IN":
        return _set_confined(value)
    if op in _REPEATS:
        return _confined(value[2])
    if op == "SUBPATTERN":
        return _confined(value[3])
    if op == "ATOMIC_GROUP":
        return _confined(value)
    if op == "BRANCH":
        return all(_confined(branch) for branch in value[1])
    if op == "GROUPREF_EXISTS":
        _, yes, no = value
        return _confined(yes) and (no is None or _confined(no))
    return op in _ZERO_WIDTH  # ANY (".") matches "/"; anything unknown may


def _set_confined(items: list[tuple[Any, Any]]) -> bool:
    if items and str(items[0][0]) == "NEGATE":
        # [^...] stays in a segment only if it names "/" among what it excludes.
        return any(_names_slash(str(op), value) for op, value in items[1:])
    return all(_excludes_slash(str(op), value) for op, value in items)


def _names_slash(op: str, value: Any) -> bool:
    if op == "LITERAL":
        return bool(value == _SLASH)
    return op == "RANGE" and bool(value[0] <= _SLASH <= value[1])


def _excludes_slash(op: str, value: Any) -> bool:
    if op == "LITERAL":
        return bool(value != _SLASH)
    if op == "RANGE":
        return not value[0] <= _SLASH <= value[1]
    return op == "CATEGORY" and str(value) in _SAFE_CATEGORIES

"""Turn a re_path() regex into the URL forms reverse() fills in, as Django's normalize() does.

A form is the text of one URL the regex matches, with a slot (`Param`) for each capturing
group. reverse() puts each argument's text in its slot and then checks the whole URL
against the route's own regex, so a form only has to be a good guess, never a proof: a
wrong guess costs a NoReverseMatch, never a wrong URL. The guesses are Django's
(django/utils/regex_helper.py), so a route reverses to the URL Django would build:

- a repeat keeps its minimum count (`a+` "a", `a{2,4}` "aa"); a part that may be absent
  is dropped, unless it holds a capturing group: then it gives two forms, without the
  part first and with it once;
- a character class gives its first member (`[a-z]` "a"), an escape a character of its
  kind (`\\d` "0", `\\w` "x", `\\s` " "), "." itself; a negated class the first of a
  few candidates it accepts, "^" first as in Django;
- anchors and lookarounds give nothing; the inside of a capturing group is never read
  (the argument is the whole group's text, nested groups are not parameters);
- a backreference repeats the argument of the group it names;
- unnamed groups are parameters `_0`, `_1`, ... in the order they open.

One departure: Django gives up on an alternation (`|`) outside a capturing group; here
each alternative gives its forms, in order, so `(?:en|fr)/` reverses to "en/".

The regex is read by Python's own parser, so every construct is understood exactly as
`re` understands it (verbose mode included). That parser is private (`re._parser`): if a
Python version lacks it, re_path() routes cannot be reversed and NoReverseMatch says so.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from legato.urls._regex import Param

__all__ = ["Form", "Normalized", "normalize"]

Form = tuple[str | Param, ...]

# An alternation or optional group in every level could multiply forms without bound;
# reverse() tries them in order, and the first few are the ones Django would try.
MAX_FORMS = 256

_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_CATEGORY_TEXT = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "x",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "x",
    "CATEGORY_WORD": "x",
    "CATEGORY_NOT_WORD": "!",
}
_CATEGORY_REGEX = {
    "CATEGORY_DIGIT": re.compile(r"\d"),
    "CATEGORY_NOT_DIGIT": re.compile(r"\D"),
    "CATEGORY_SPACE": re.compile(r"\s"),
    "CATEGORY_NOT_SPACE": re.compile(r"\S"),
    "CATEGORY_WORD": re.compile(r"\w"),
    "CATEGORY_NOT_WORD": re.compile(r"\W"),
}
# What a negated class gives: Django's "^" (the character after "[" in the class's
# text), else the first of these the class does not exclude.
_OUTSIDE_CANDIDATES = "^x0-_~!"


@dataclass(frozen=True, slots=True)
class Normalized:
    """The forms of one regex (None if it cannot be reversed, with the reason)."""

    forms: tuple[Form, ...] | None
    unnamed: int = 0  # unnamed capturing groups at the top level, numbered in forms
    unreversible: str | None = None


class _Unreversible(Exception):
    pass


def normalize(regex: str) -> Normalized:
    """Return the forms of `regex` (already known to compile) in the order to try them."""
    try:
        parsed = importlib.import_module("re._parser").parse(regex)
        names = {number: name for name, number in parsed.state.groupdict.items()}
    except (ImportError, AttributeError):
        return Normalized(None, unreversible="Python's regex parser (re._parser) is missing")
    walker = _Walker(names)
    try:
        forms = walker.sequence(parsed)
    except _Unreversible as exc:
        return Normalized(None, unreversible=str(exc))
    return Normalized(tuple(_joined(form) for form in forms), walker.unnamed)


class _Walker:
    """Read a parsed regex once, in order, numbering top-level groups as they open."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.params: dict[int, Param] = {}
        self.unnamed = 0

    def sequence(self, items: Iterable[tuple[Any, Any]]) -> list[Form]:
        forms: list[Form] = [()]
        for op, value in items:
            options = self.item(str(op), value)
            if len(options) == 1:
                forms = [form + options[0] for form in forms]
            else:
                forms = product(forms, options)
        return forms

    def item(self, op: str, value: Any) -> list[Form]:
        if op == "LITERAL":
            return [(chr(value),)]
        if op == "IN":
            return [(_class_member(value),)]
        if op == "SUBPATTERN":
            group, _, _, items = value
            return self.sequence(items) if group is None else [(self.capture(group),)]
        if op in _REPEATS:
            return self.repeat(*value)
        if op == "BRANCH":
            return [form for branch in value[1] for form in self.sequence(branch)][:MAX_FORMS]
        return self.other(op, value)

    def other(self, op: str, value: Any) -> list[Form]:
        if op in _ZERO_WIDTH:
            return [()]
        if op == "ANY":
            return [(".",)]
        if op == "NOT_LITERAL":
            return [(_outside([("LITERAL", value)]),)]
        if op == "ATOMIC_GROUP":
            return self.sequence(value)
        if op == "GROUPREF":
            return [(self.reference(value),)]
        if op == "GROUPREF_EXISTS":
            raise _Unreversible("it uses a conditional group (?(...)...)")
        raise _Unreversible(f"it uses a construct reverse() does not know ({op})")

    def repeat(self, least: int, _most: int, items: Sequence[tuple[Any, Any]]) -> list[Form]:
        once = self.sequence(items)
        if least == 0:
            # Django: an optional part holding a parameter is tried without, then once.
            with_param = any(isinstance(part, Param) for form in once for part in form)
            return [(), *once][:MAX_FORMS] if with_param else [()]
        forms = once
        for _ in range(least - 1):
            forms = product(forms, once)
        return forms

    def capture(self, group: int) -> Param:
        name = self.names.get(group)
        if name is None:
            param = Param(None, self.unnamed)
            self.unnamed += 1
        else:
            param = Param(name)
        self.params[group] = param
        return param

    def reference(self, group: int) -> Param:
        param = self.params.get(group)
        if param is None:
            raise _Unreversible(
                f"it refers back to group {group}, which is inside another capturing group"
            )
        return param


def product(forms: Sequence[Form], options: Sequence[Form]) -> list[Form]:
    """Every form followed by every option, in order, at most MAX_FORMS of them."""
    combined: list[Form] = []
    for form in forms:
        for option in options:
            combined.append(form + option)
            if len(combined) == MAX_FORMS:
                return combined
    return combined


def _class_member(items: Sequence[tuple[Any, Any]]) -> str:
    op, value = items[0]
    op = str(op)
    if op == "NEGATE":
        return _outside(items[1:])
    if op == "LITERAL":
        return chr(value)
    if op == "RANGE":
        return chr(value[0])
    return _CATEGORY_TEXT.get(str(value), "x") if op == "CATEGORY" else "x"


def _outside(excluded: Sequence[tuple[Any, Any]]) -> str:
    for candidate in _OUTSIDE_CANDIDATES:
        if not any(_holds(str(op), value, candidate) for op, value in excluded):
            return candidate
    return "x"  # every candidate excluded: the final check will refuse the URL


def _holds(op: str, value: Any, char: str) -> bool:
    if op == "LITERAL":
        return bool(value == ord(char))
    if op == "RANGE":
        return bool(value[0] <= ord(char) <= value[1])
    if op == "CATEGORY":
        regex = _CATEGORY_REGEX.get(str(value))
        return regex is None or regex.fullmatch(char) is not None
    return True  # unknown: assume it excludes the candidate


def _joined(form: Form) -> Form:
    """The form with neighbouring literal characters joined into one string."""
    parts: list[str | Param] = []
    text = ""
    for part in form:
        if isinstance(part, str):
            text += part
            continue
        if text:
            parts.append(text)
            text = ""
        parts.append(part)
    if text:
        parts.append(text)
    return tuple(parts)

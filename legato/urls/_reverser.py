"""Build a URL from a route name (or view) and arguments, as Django's reverse() does.

The namespace walk, the order candidates are tried in (last declared first), the
args-or-kwargs matching against parameters and default kwargs, `to_url`, the final check
of the built text against the route's own regex, the percent-quoting and the error
messages all follow Django. A route's template is built on its first reverse and kept:
the forms of each level (_normalize.py: one for a path(), one or more for a re_path()
with optional parts or alternatives), combined level by level and tried in order. The
script prefix ("/" unless the app is mounted under one) starts every URL; it is quoted
with the rest, as Django does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from legato.urls._errors import NoReverseMatch
from legato.urls._normalize import Form, product
from legato.urls._regex import Param, compile_regex
from legato.urls._tree import FlatRoute, Namespace
from legato.urls.converters import Converter

__all__ = ["Reverser"]

# Characters left unquoted: RFC 3986 sub-delims plus "/~:@" (Django's choice).
_SAFE = "!$&'()*+,;=/~:@"


@dataclass(frozen=True, slots=True)
class _Form:
    """One URL shape of a route: literal text and parameter slots, in order."""

    parts: tuple[str | Param, ...]
    params: tuple[str, ...]  # each parameter once, in the order it first appears

    def text(self, texts: Mapping[str, str]) -> str:
        return "".join(texts[str(p.name)] if isinstance(p, Param) else p for p in self.parts)


@dataclass(frozen=True, slots=True)
class _Template:
    text: str  # the route as NoReverseMatch lists it
    forms: tuple[_Form, ...]
    converters: Mapping[str, Converter]
    defaults: Mapping[str, Any]
    check: re.Pattern[str] | None
    unreversible: str | None

    def build(self, args: Sequence[Any], kwargs: Mapping[str, Any], prefix: str) -> str | None:
        if self.check is None:
            return None
        for form in self.forms:
            subs = self._substitutions(form.params, args, kwargs)
            texts = None if subs is None else self._texts(subs)
            if texts is None:
                continue
            candidate = form.text(texts)
            if self.check.search(candidate) is not None:
                url = quote(prefix + candidate, safe=_SAFE)
                # "//host" would be read as a scheme-relative URL to another site.
                return "/%2F" + url[2:] if url.startswith("//") else url
        return None

    def _substitutions(
        self, params: tuple[str, ...], args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        if args:
            return dict(zip(params, args, strict=True)) if len(args) == len(params) else None
        if (set(kwargs) ^ set(params)) - set(self.defaults):
            return None
        for key, value in self.defaults.items():
            if key not in params and key in kwargs and kwargs[key] != value:
                return None
        return {**{k: v for k, v in self.defaults.items() if k in params}, **kwargs}

    def _texts(self, subs: Mapping[str, Any]) -> dict[str, str] | None:
        texts: dict[str, str] = {}
        for name, value in subs.items():
            converter = self.converters.get(name)
            try:
                # str() as Django's "%s" formatting does, for a to_url() returning a number.
                texts[name] = str(converter.to_url(value)) if converter else str(value)
            except ValueError:
                return None  # the converter refuses this value: try the next form
        return texts


class Reverser:
    __slots__ = ("_root", "_templates")

    def __init__(self, root: Namespace) -> None:
        self._root = root
        self._templates: dict[int, _Template] = {}

    def reverse(
        self,
        viewname: Any,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        current_app: str | None = None,
        prefix: str = "/",
    ) -> str:
        if args and kwargs:
            raise ValueError("Don't mix *args and **kwargs in call to reverse()!")
        args, kwargs = tuple(args or ()), dict(kwargs or {})
        candidates = self._candidates(viewname, current_app)
        templates = [self._template(route) for route in candidates]
        for template in templates:
            url = template.build(args, kwargs, prefix)
            if url is not None:
                return url
        raise NoReverseMatch(_not_found(viewname, args, kwargs, templates))

    def _candidates(self, viewname: Any, current_app: str | None) -> list[FlatRoute]:
        if not isinstance(viewname, str):
            try:
                return self._root.by_view.get(viewname, [])
            except TypeError:
                return []
        *namespaces, name = viewname.split(":")
        node = _walk_namespaces(self._root, namespaces, current_app)
        return node.by_name.get(name, [])

    def _template(self, route: FlatRoute) -> _Template:
        template = self._templates.get(route.index)
        if template is None:
            template = self._templates[route.index] = _build_template(route)
        return template


def _walk_namespaces(root: Namespace, namespaces: list[str], current_app: str | None) -> Namespace:
    # Django's rule: an app name resolves to the current app's instance if it is one,
    # else to the instance named like the app, else to the last deployed instance.
    current = current_app.split(":")[::-1] if current_app else None
    node = root
    resolved: list[str] = []
    for namespace in namespaces:
        current_ns = current.pop() if current else None
        instances = node.apps.get(namespace)
        if instances is not None:
            if current_ns and current_ns in instances:
                namespace = current_ns
            elif namespace not in instances:
                namespace = instances[0]
        if namespace != current_ns:
            current = None
        child = node.children.get(namespace)
        if child is None:
            inside = f" inside '{':'.join(resolved)}'" if resolved else ""
            raise NoReverseMatch(f"'{namespace}' is not a registered namespace{inside}")
        node = child
        resolved.append(namespace)
    return node


def _build_template(route: FlatRoute) -> _Template:
    levels: list[tuple[Form, ...]] = []
    converters: dict[str, Converter] = {}
    defaults: dict[str, Any] = {}
    unnamed = 0
    reason = None
    for level in route.levels:
        pattern = level.pattern
        defaults.update(level.defaults)
        converters.update(pattern.converters)
        normalized = pattern.normalized()
        if normalized.forms is None:
            reason = reason or normalized.unreversible
            continue
        levels.append(tuple(_numbered(form, unnamed) for form in normalized.forms))
        unnamed += normalized.unnamed
    forms: list[Form] = [()]
    for options in levels:
        forms = product(forms, options)
    check, problem = _check_regex(route) if reason is None else (None, None)
    return _Template(
        route.message_text,
        tuple(_Form(form, _params(form)) for form in forms),
        converters,
        defaults,
        check,
        reason or problem,
    )


def _numbered(form: Form, offset: int) -> Form:
    # Unnamed groups are _0, _1, ... across the levels of a route, as Django numbers them.
    return tuple(
        Param(f"_{offset + part.index}") if isinstance(part, Param) and part.name is None else part
        for part in form
    )


def _params(form: Form) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(part.name) for part in form if isinstance(part, Param)))


def _check_regex(route: FlatRoute) -> tuple[re.Pattern[str] | None, str | None]:
    text = "^" + "".join(level.pattern.check_text for level in route.levels)
    try:
        return compile_regex(text), None
    except re.error as exc:
        return None, f"its levels joined give an invalid regex ({exc})"


def _not_found(
    viewname: Any, args: tuple[Any, ...], kwargs: dict[str, Any], templates: list[_Template]
) -> str:
    label = _label(viewname)
    if not templates:
        return (
            f"Reverse for '{label}' not found. '{label}' is not a valid view function or "
            "pattern name."
        )
    if args:
        given = f"arguments '{args}'"
    elif kwargs:
        given = f"keyword arguments '{kwargs}'"
    else:
        given = "no arguments"
    tried = [template.text for template in templates]
    message = (
        f"Reverse for '{label}' with {given} not found. {len(tried)} pattern(s) tried: {tried}"
    )
    reasons = [
        f" Pattern {t.text!r} cannot be reversed: {t.unreversible}."
        for t in templates
        if t.unreversible
    ]
    if reasons:
        message += "".join(reasons)
    return message


def _label(viewname: Any) -> str:
    module = getattr(viewname, "__module__", None)
    name = getattr(viewname, "__name__", None)
    return f"{module}.{name}" if module is not None and name is not None else str(viewname)

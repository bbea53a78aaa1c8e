"""A config checked against its fields: labels and secrecy by path, rendering, every problem at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._util.jsonpath import PathPart, json_path
from ..declarative.jsonsafe import identifier_text, normalize
from ..declarative.models import Field
from ..errors import Problem

if TYPE_CHECKING:
    from ..declarative.validation import SchemaChecker

__all__ = ["FieldTree", "check_config", "fit_value", "json_problems"]

# Problems about keys stay even when the value is a template; value problems wait for rendering.
_KEY_PROBLEMS = frozenset({"unknown_field", "required"})


@dataclass(frozen=True)
class FieldTree:
    """Labels, secrecy and order of a manifest's fields, looked up by config path."""

    fields: tuple[Field, ...]

    def field_at(self, parts: tuple[PathPart, ...]) -> Field | None:
        found, fields = None, self.fields
        for part in parts:
            match = next((f for f in fields if f.key == part), None)
            if match is None:
                break
            found, fields = match, match.fields or ()
        return found

    def is_field_path(self, parts: tuple[PathPart, ...]) -> bool:
        """Whether ``parts`` names a declared field itself (not a value inside one)."""
        fields: tuple[Field, ...] = self.fields
        for index, part in enumerate(parts):
            match = next((f for f in fields if f.key == part), None)
            if match is None:
                return False
            if index == len(parts) - 1:
                return True
            fields = match.fields or ()
        return False

    def label_for(self, parts: tuple[PathPart, ...]) -> str | None:
        found = self.field_at(parts)
        return found.label if found else None

    def is_secret(self, parts: tuple[PathPart, ...]) -> bool:
        found = self.field_at(parts)
        return bool(found and found.secret)

    def order(self, problem: Problem) -> tuple[int, str]:
        keys = [f.key for f in self.fields]
        head = problem.location[0] if problem.location else None
        return (keys.index(head) if head in keys else len(keys), problem.path)


def check_config(
    checker: SchemaChecker,
    tree: FieldTree,
    config: Any,
    context: Mapping[str, Any] | None,
    *,
    templates: bool = True,
) -> tuple[Any, list[Problem]]:
    """Render ``config`` against ``context``, then validate; returns (rendered, every problem).

    Without a context, templated values cannot be judged yet: their syntax is checked and the
    problems about their values are held back (keys still count: unknown or missing fields).
    """
    from .templating import render_config, template_locations  # jinja2 on first use

    if not isinstance(config, Mapping):
        return config, [Problem("$", "must be an object of field values", code="type")]
    config, problems = normalize(config)  # JSON data from here on: no cycle, NaN or 5,000-digit int
    if not templates:
        problems += [p for p in checker.problems(config) if not _under_any(p.location, {q.location for q in problems})]
        return config, sorted((_labelled(p, tree) for p in problems), key=tree.order)
    rendered = render_config(config, context)
    value, json_problems = normalize(rendered.value)
    problems += list(rendered.problems) + json_problems
    if context is not None:
        broken = {p.location for p in problems}
        for at in template_locations(config):
            field = tree.field_at(at) if tree.is_field_path(at) else None
            misfit = None if _under_any(at, broken) else _fit_to_field(value, at, field)
            if misfit:
                problems.append(misfit)
    broken = {p.location for p in problems}
    deferred = broken | set(template_locations(config)) if context is None else broken
    for problem in checker.problems(value):
        if problem.code not in _KEY_PROBLEMS and _under_any(problem.location, deferred):
            continue
        problems.append(problem)
    problems = [_labelled(p, tree) for p in problems]
    problems.sort(key=tree.order)
    return value, problems


_TEXT_TYPES = frozenset({"string", "email", "url"})
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,4300}")  # int() refuses longer text


def _fit_to_field(config: Any, at: tuple[PathPart, ...], field: Field | None) -> Problem | None:
    if field is None or not at:
        return None
    parent = config
    for part in at[:-1]:
        parent = parent[part]
    try:
        parent[at[-1]] = fit_value(parent[at[-1]], field)
    except ValueError as exc:
        return Problem(json_path(at), str(exc), code="type", location=at)
    return None


def fit_value(value: Any, field: Field | None) -> Any:
    """The rendered ``value`` as ``field`` takes it; ``ValueError`` when it has no such form.

    A text field takes 42 as ``"42"`` and an integer field takes ``"7"`` as 7, the way a person
    filling a form would mean it; a number that is not whole (NaN, 1.5) has no text form."""
    if field is None:
        return value
    if field.type in _TEXT_TYPES and isinstance(value, (int, float)) and not isinstance(value, bool):
        text = identifier_text(value)
        if text is None:
            raise ValueError(f"must be text; the number {value!r} is not a whole number")
        return text
    if field.type == "integer" and isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    return value


def json_problems(value: Any) -> list[Problem]:
    """What JSON cannot carry in ``value`` (NaN, huge numbers, lone surrogates, cycles, depth)."""
    return normalize(value)[1]


def _under_any(parts: tuple[PathPart, ...], roots: set[tuple[PathPart, ...]]) -> bool:
    return any(parts[: len(root)] == root for root in roots)


def _labelled(problem: Problem, tree: FieldTree) -> Problem:
    if problem.label is not None:
        return problem
    return Problem(
        problem.path,
        problem.message,
        label=tree.label_for(problem.location),
        code=problem.code,
        location=problem.location,
    )

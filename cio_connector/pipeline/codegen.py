"""A config's template filling compiled to one generated function (record reads, per-field fitting).

``compile_fill`` writes Python source for one config: read each templated value straight from the
record, check it is plain JSON the field takes as it is (or fit it, as ``fit_value`` would), and
return the config with the values in place, as one literal. Constant parts are passed in by name
and shared, never copied. No text from the config or the record ever enters the source: keys,
record path parts and constants are all bound as names. Anything unusual returns None, and the
plan then fills the slow way (which renders through jinja2) or explains, so verdicts never differ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._util.jsonpath import PathPart
from ..declarative.models import Field
from ..errors import Problem
from .source import generated
from .splice import Recipe, Var, bind, request_lines

__all__ = ["MISSING", "compile_build", "compile_fill"]

#: What a fitting helper answers for a value only the slow path may judge.
MISSING: Any = object()

Filler = Callable[[Any], Any]
_TEXT_TYPES = frozenset({"string", "email", "url"})


def compile_fill(
    template: Any,
    slots: Sequence[tuple[tuple[PathPart, ...], tuple[str, ...], Field | None]],
    fit: Callable[[Any, Field | None], Any],
    json_problems: Callable[[Any], list[Problem]],
) -> Filler | None:
    """``fill(record)``: the config for ``record``, or None when a value needs the slow path.

    ``slots`` are (where in the config, the record path it reads, its field); every templated value
    must read a record path (None is returned otherwise: the plan keeps its general filling).
    """
    if not isinstance(template, (dict, list)):
        return None
    names: dict[str, Any] = {"_M": MISSING}
    lines, by_location = _reads("fill", slots, fit, json_problems, names)
    counter = iter(range(1 << 30))
    expression = _literal(template, (), by_location, names, counter)
    lines.append(f"    return {expression}")
    return generated("fill", lines, names)


def compile_build(
    template: Mapping[str, Any],
    slots: Sequence[tuple[tuple[PathPart, ...], tuple[str, ...], Field | None]],
    fit: Callable[[Any, Field | None], Any],
    json_problems: Callable[[Any], list[Problem]],
    by_key: Sequence[tuple[str, Sequence[Callable[[Any], bool]]]],
    whole: Sequence[Callable[[Any], bool]],
    finish: Callable[[Any], Any],
    mirrors: Mapping[str, Any] | None = None,
) -> Callable[[Any], Any] | None:
    """``build(record)``: the valid path as one function (``compile_fill``'s reads, then each
    top-level value's checks from ``by_key``, the ``whole`` checks on the filled config, and
    ``finish``, the handler); None (from the function) for anything else: a value needing the slow
    path, a check saying no, a request with a problem or over its size limit. The caller's general
    path then decides and explains.

    A ``finish`` made by ``splice.spliced`` is written inline: its body reads the filled values
    straight from their variables (and reuses a filled map where ``mirrors``, the shape's, show
    the body places it unchanged), so the config itself is built only when a check needs it.
    """
    if not isinstance(template, dict):
        return None
    names: dict[str, Any] = {"_M": MISSING, "_finish": finish}
    lines, by_location = _reads("build", slots, fit, json_problems, names)
    counter = iter(range(1 << 30))
    checked = {key: found for key, found in by_key}
    items, top = [], {}
    for key, value in template.items():
        key_name = f"k{next(counter)}"
        names[key_name] = key
        expression = _literal(value, (key,), by_location, names, counter)
        if (key,) not in by_location and any(location[0] == key for location in by_location):
            variable = f"m{next(counter)}"  # a container holding a record's value
            lines.append(f"    {variable} = {expression}")
            expression = variable
        top[key] = expression
        for check in checked.pop(key, ()):
            source = getattr(check, "source", None)  # the check as statements, written inline
            if source is not None:
                temp = f"q{next(counter)}"
                lines += ["    " + line for line in source(expression, lambda value: bind(names, value), temp)]
                continue
            check_name = f"ck{next(counter)}"
            names[check_name] = check
            lines.append(f"    if not {check_name}({expression}): return None")
        items.append(f"{key_name}: {expression}")
    if checked:
        return None  # a check for a key the config does not have: not this config's split
    recipe = getattr(finish, "recipe", None)
    if whole or recipe is None:
        lines.append("    inputs = {" + ", ".join(items) + "}")
    for check in whole:
        check_name = f"w{next(counter)}"
        names[check_name] = check
        lines.append(f"    if not {check_name}(inputs): return None")
    if recipe is not None:
        inline = _inline_request(recipe, template, by_location, top, mirrors or {}, names)
        if inline is not None:
            return generated("build", lines + inline, names)
        lines.append("    inputs = {" + ", ".join(items) + "}")
    lines += [
        "    request = _finish(inputs)",
        "    if request.problems: return None",
        "    limit = request.max_body_bytes",
        "    if limit is not None:",
        "        body = request.body",
        "        if body is not None and len(body) > limit: return None",
        "    return request",
    ]
    return generated("build", lines, names)


def _inline_request(
    recipe: Recipe,
    template: Mapping[str, Any],
    by_location: Mapping[tuple[PathPart, ...], str],
    top: Mapping[str, str],
    mirrors: Mapping[str, Any],
    names: dict[str, Any],
) -> list[str] | None:
    """The spliced handler's lines, reading each ``Var`` from the variable that holds it."""

    def read(var: Var) -> str | None:
        if var.path in by_location:
            return by_location[var.path]
        if len(var.path) == 1 and isinstance(var.path[0], str) and var.path[0] in top:
            return top[var.path[0]]
        if any(location[: len(var.path)] == var.path for location in by_location):
            return None  # a container holding a record's value, below the top: not held anywhere
        value: Any = template
        try:
            for part in var.path:
                value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
        return bind(names, value)

    reuse = {id(mirror): top[key] for key, mirror in mirrors.items() if key in top and top[key].isidentifier()}
    return request_lines(recipe, names, read, reuse, limit_check=True)


def _reads(
    name: str,
    slots: Sequence[tuple[tuple[PathPart, ...], tuple[str, ...], Field | None]],
    fit: Callable[[Any, Field | None], Any],
    json_problems: Callable[[Any], list[Problem]],
    names: dict[str, Any],
) -> tuple[list[str], dict[tuple[PathPart, ...], str]]:
    """Source reading each slot's value from the record into ``v<index>`` (returning None for a
    value only the slow path may judge), and where each variable goes."""
    lines = [f"def {name}(record):", "    if type(record) is not dict: return None"]
    by_location: dict[tuple[PathPart, ...], str] = {}
    for index, (location, path, field) in enumerate(slots):
        variable = f"v{index}"
        by_location[location] = variable
        names[f"take{index}"] = _taker(field, fit, json_problems)
        holder = "record"
        for depth, part in enumerate(path):
            names[f"p{index}_{depth}"] = part
            target = variable if depth == len(path) - 1 else f"t{index}_{depth}"
            lines.append(f"    {target} = {holder}.get(p{index}_{depth}, _M)")
            if depth < len(path) - 1:
                lines.append(f"    if type({target}) is not dict: return None")
            holder = target
        lines.append(f"    if {variable} is _M: return None")
        lines.append(f"    if {_fast_test(variable, field)}:")
        lines.append(f"        {variable} = take{index}({variable})")
        lines.append(f"        if {variable} is _M: return None")
    return lines, by_location


def _fast_test(variable: str, field: Field | None) -> str:
    """The test that sends a value to its fitting helper; the usual value (ASCII text for a text
    field, an int for an integer field) passes straight through."""
    if field is not None and field.type == "integer":
        return f"type({variable}) is not int"
    if field is None:  # a free-form value: a whole number is taken as it is too
        return f"(type({variable}) is not str or not {variable}.isascii()) and type({variable}) is not int"
    return f"type({variable}) is not str or not {variable}.isascii()"


def _taker(
    field: Field | None, fit: Callable[[Any, Field | None], Any], json_problems: Callable[[Any], list[Problem]]
) -> Callable[[Any], Any]:
    """The plan's rules for one rendered value, as ``ActionPlan._take`` applies them."""

    def take(value: Any) -> Any:
        kind = type(value)
        if kind is float:
            if not math.isfinite(value):
                return MISSING
        elif kind is str:
            if not value.isascii() and json_problems(value):
                return MISSING  # a lone surrogate
        elif not (kind is int or kind is bool or value is None):
            return MISSING
        if field is None:
            return value
        try:
            return fit(value, field)
        except ValueError:
            return MISSING

    return take


def _literal(
    value: Any, at: tuple[PathPart, ...], slots: dict[tuple[PathPart, ...], str], names: dict[str, Any], counter: Any
) -> str:
    """Source for ``value`` at ``at``: a slot's variable, a shared constant, or a container literal
    rebuilt around the slots below it."""
    if at in slots:
        return slots[at]
    below = [location for location in slots if location[: len(at)] == at and len(location) > len(at)]
    if not below:
        name = f"c{next(counter)}"
        names[name] = value
        return name
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            key_name = f"k{next(counter)}"
            names[key_name] = key
            items.append(f"{key_name}: {_literal(item, (*at, key), slots, names, counter)}")
        return "{" + ", ".join(items) + "}"
    parts = [_literal(item, (*at, index), slots, names, counter) for index, item in enumerate(value)]
    return "[" + ", ".join(parts) + ("]" if parts else "]")

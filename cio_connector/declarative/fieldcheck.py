"""A schema's verdict split by field, for instances whose keys and constant values are fixed.

A compiled plan fills the same config every time: the same top-level keys, the constant ones with
the same values. For a schema made only of ``type: object``, ``properties``, ``required``,
``additionalProperties`` and ``allOf`` rules of ``if``/``then`` (what ``declarative.schema``
generates), JSON Schema's verdict on such an instance is the conjunction of each key's own
verdict and each applying rule's: keys, constants and every rule whose condition reads only
constants are decided once, here, and each record pays for its templated values alone. A schema
with anything else is not split (``split_fast_check`` returns None) and the plan checks the whole
instance, as always.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._util.jsonpath import PathPart
from .fastcheck import FastCheck, compile_fast_check
from .keywords import MAX_BYTES, TIMESTAMP, fits_in_bytes, size_bound
from .patterns import ecma_regex

__all__ = ["Binder", "SplitCheck", "split_checks", "split_fast_check"]

#: Binds a value to a name generated code may read (and answers the name).
Binder = Callable[[Any], str]

# Keywords that say something about an instance without judging it.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated",
                          "readOnly", "writeOnly"})
_TOP = frozenset({"type", "properties", "required", "additionalProperties", "allOf"})
_RULE = frozenset({"if", "then"})
_CONDITION = frozenset({"properties", "required"})


class _Unsplittable(Exception):
    """The schema (or this config) cannot be judged field by field: the whole check stays."""


def _annotation(keyword: str) -> bool:
    return keyword in _ANNOTATIONS or (keyword.startswith("x-") and keyword not in (MAX_BYTES, TIMESTAMP))


def _only(schema: Any, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(schema, Mapping) or any(k not in allowed and not _annotation(k) for k in schema):
        raise _Unsplittable
    return schema


def _compiled(schema: Any) -> FastCheck:
    check = compile_fast_check(schema) if isinstance(schema, Mapping) else None
    if check is None:
        raise _Unsplittable  # a subschema the fast path cannot mirror (a boolean schema, date-time...)
    return check


@dataclass(frozen=True)
class SplitCheck:
    """A verdict split by field: ``by_key`` judges one top-level value each (a record's value, or
    a map holding one), ``whole`` the whole instance (rules whose condition reads a record's
    value). An instance is valid when every check says yes."""

    by_key: tuple[tuple[str, tuple[FastCheck, ...]], ...]
    whole: tuple[FastCheck, ...]

    def joined(self) -> FastCheck:
        """The one yes/no check on an instance."""
        return _conjunction(list(self.by_key), self.whole)


def split_fast_check(
    schema: Mapping[str, Any], template: Mapping[str, Any], locations: Iterable[tuple[PathPart, ...]]
) -> FastCheck | None:
    """A yes/no check of instances shaped like ``template`` (its keys; its values except at the
    templated ``locations``), judging only the templated values per call; None when it cannot be
    split or when a constant part is invalid (the general check then finds and explains it)."""
    split = split_checks(schema, template, locations)
    return None if split is None else split.joined()


def split_checks(
    schema: Mapping[str, Any], template: Mapping[str, Any], locations: Iterable[tuple[PathPart, ...]]
) -> SplitCheck | None:
    """``split_fast_check``'s parts, for a caller that reads each value itself (generated code)."""
    inner: dict[str, set[PathPart]] = {}
    whole_values: set[PathPart] = set()
    for location in locations:
        if not location:
            return None
        if len(location) == 1:
            whole_values.add(location[0])
        else:
            inner.setdefault(str(location[0]), set()).add(location[1])
    templated = frozenset(str(key) for key in (whole_values | set(inner)))
    maps = {key: frozenset(keys) for key, keys in inner.items() if key not in whole_values}
    try:
        return _split(schema, template, templated, maps)
    except _Unsplittable:
        return None


def _split(
    schema: Mapping[str, Any], template: Mapping[str, Any], templated: frozenset[str], maps: Mapping[str, frozenset[PathPart]]
) -> SplitCheck:
    _only(schema, _TOP)
    kind = schema.get("type", "object")
    if kind != "object" and not (isinstance(kind, list) and "object" in kind):
        raise _Unsplittable
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, Mapping) or not all(isinstance(key, str) for key in template):
        raise _Unsplittable
    if any(key not in template for key in schema.get("required", ())):
        raise _Unsplittable  # a required key missing: never valid
    per_key: dict[str, list[tuple[Any, FastCheck]]] = {key: [] for key in templated}
    whole: list[FastCheck] = []
    for key in template:
        sub = properties[key] if key in properties else extra
        if sub is False:
            raise _Unsplittable  # an unknown key: never valid
        if sub is not True:
            check = _map_check(sub, template[key], maps[key]) if key in maps else None
            _judge(key, (None, check) if check else (sub, _compiled(sub)), template, per_key)
    for rule in schema.get("allOf", ()):
        _rule(_only(rule, _RULE), template, templated, per_key, whole)
    return SplitCheck(tuple((key, _merged(found)) for key, found in per_key.items() if found), tuple(whole))


_MAP = frozenset({"type", "propertyNames", "additionalProperties", "maxProperties", "minProperties", MAX_BYTES})
_UNBOUNDED = 10**9


def _map_check(schema: Any, template: Any, templated: frozenset[PathPart]) -> FastCheck | None:
    """A free-form map's check (the attributes of every action) for a map whose keys are fixed and
    whose ``templated`` values change: names, counts and constant values decided now; per call,
    the templated values and the whole map's size, bounded without encoding when it can be."""
    if not isinstance(template, dict) or not all(isinstance(key, str) for key in template):
        return None
    try:
        sub = _only(schema, _MAP)
        if sub.get("type", "object") != "object":
            return None
        names = sub.get("propertyNames", True)
        if names is not True and not all(_compiled(names)(key) for key in template):
            return None
        if not sub.get("minProperties", 0) <= len(template) <= sub.get("maxProperties", len(template)):
            return None
        extra = sub.get("additionalProperties", True)
        if extra is False:
            return None
        # A byte limit alone on each value (the usual attribute map) is checked inline, bound first.
        value_limit = _byte_limit_only(extra)
        values = None if extra is True or value_limit is not None else _compiled(extra)
        constant = [(key, item) for key, item in template.items() if key not in templated]
        whole = values or (lambda item: value_limit is None or fits_in_bytes(value_limit, item))
        if not all(whole(item) for _, item in constant):
            return None
    except _Unsplittable:
        return None
    limit = sub.get(MAX_BYTES)
    if limit is not None and not isinstance(limit, int):
        return None
    keys = tuple((key, 6 * len(key) + 4) for key in template if key in templated)
    fixed = 2 + sum(6 * len(key) + 4 + (size_bound(item) or _UNBOUNDED) for key, item in constant)

    def check(value: Any) -> bool:
        total = fixed
        for key, framing in keys:
            item = value[key]
            if values is not None and not values(item):
                return False
            if type(item) is str:  # UTF-8 takes at most 4 bytes a character, JSON at most 6
                if value_limit is not None and 4 * len(item) > value_limit and not fits_in_bytes(value_limit, item):
                    return False
                total += framing + 6 * len(item) + 2
                continue
            if value_limit is not None and not fits_in_bytes(value_limit, item):
                return False
            total += framing + (size_bound(item) or _UNBOUNDED)
        return limit is None or total <= limit or fits_in_bytes(limit, value)

    def source(expression: str, bind: Binder, temp: str) -> list[str]:
        """``check`` as statements for generated code (``return None`` for a no)."""
        fits, bound, total = bind(fits_in_bytes), bind(size_bound), f"{temp}_total"
        lines = [f"{total} = {bind(fixed)}"]
        # A whole number under 10**18 takes at most 20 bytes: within any value limit of 20 or more.
        small_ints = values is None and (value_limit is None or value_limit >= _SMALL_INT_BYTES)
        for index, (key, framing) in enumerate(keys):
            item = f"{temp}_{index}"
            lines.append(f"{item} = {expression}[{bind(key)}]")
            if values is not None:
                lines.append(f"if not {bind(values)}({item}): return None")
            lines.append(f"if type({item}) is str:")
            if value_limit is not None:
                limit_name = bind(value_limit)
                lines.append(f"    if 4 * len({item}) > {limit_name} and not {fits}({limit_name}, {item}): return None")
            lines.append(f"    {total} += {bind(framing + 2)} + 6 * len({item})")
            if small_ints:
                small = bind(_SMALL_INT)
                lines.append(f"elif type({item}) is int and -{small} < {item} < {small}:")
                lines.append(f"    {total} += {bind(framing + _SMALL_INT_BYTES)}")
            lines.append("else:")
            if value_limit is not None:
                lines.append(f"    if not {fits}({bind(value_limit)}, {item}): return None")
            lines.append(f"    {total} += {bind(framing)} + ({bound}({item}) or {bind(_UNBOUNDED)})")
        if limit is not None:
            limit_name = bind(limit)
            lines.append(f"if {total} > {limit_name} and not {fits}({limit_name}, {expression}): return None")
        return lines

    check.source = source  # type: ignore[attr-defined]
    return check


_SMALL_INT, _SMALL_INT_BYTES = 10**18, 20


def _byte_limit_only(schema: Any) -> int | None:
    """``N`` for a schema saying only ``x-maxBytes: N`` (and notes), else None."""
    if not isinstance(schema, Mapping) or not isinstance(schema.get(MAX_BYTES), int):
        return None
    return schema[MAX_BYTES] if all(k == MAX_BYTES or (_annotation(k) and not k.startswith("x-")) for k in schema) else None


def _merged(found: list[tuple[Any, FastCheck]]) -> tuple[FastCheck, ...]:
    """One compiled check for the schemas a value must meet together (one call into the compiled
    validator instead of one per schema); a map's own check stays apart."""
    schemas = [schema for schema, _ in found if schema is not None]
    others = tuple(check for schema, check in found if schema is None)
    text = _text_check(schemas) if schemas else None
    if text is not None:
        return (*others, text)
    if len(schemas) < 2:
        return tuple(check for _, check in found)
    combined = compile_fast_check({"allOf": schemas})
    return (*others, combined) if combined is not None else tuple(check for _, check in found)


_TEXT = frozenset({"type", "minLength", "maxLength", "pattern", "format", MAX_BYTES})


def _text_check(schemas: list[Any]) -> FastCheck | None:
    """The schemas of a text field (type, lengths, patterns, a byte limit; a format other than
    date-time, which neither checker reads) as one Python check, with its source for generated
    code. Patterns run as the full checker runs them (``ecma_regex``), so the two cannot differ.
    None for anything else: the compiled validator judges it."""
    shortest, longest, limit, patterns = 0, None, None, []
    for schema in schemas:
        if not isinstance(schema, Mapping) or any(k not in _TEXT and not _annotation(k) for k in schema):
            return None
        if schema.get("type") != "string" or schema.get("format") == "date-time":
            return None
        for keyword in ("minLength", "maxLength", MAX_BYTES):
            if keyword in schema and (type(schema[keyword]) is not int or schema[keyword] < 0):
                return None
        shortest = max(shortest, schema.get("minLength", 0))
        if "maxLength" in schema:
            longest = schema["maxLength"] if longest is None else min(longest, schema["maxLength"])
        if MAX_BYTES in schema:
            limit = schema[MAX_BYTES] if limit is None else min(limit, schema[MAX_BYTES])
        if "pattern" in schema:
            try:
                patterns.append(ecma_regex(schema["pattern"]).search)
            except (TypeError, re.error, RecursionError, OverflowError):
                return None

    def check(value: Any) -> bool:
        if type(value) is not str or len(value) < shortest or (longest is not None and len(value) > longest):
            return False
        if limit is not None and 4 * len(value) > limit and not fits_in_bytes(limit, value):
            return False
        for search in patterns:
            if search(value) is None:
                return False
        return True

    def source(expression: str, bind: Binder, temp: str) -> list[str]:
        parts = [f"type({expression}) is str"]
        if shortest:
            parts.append(f"len({expression}) >= {bind(shortest)}")
        if longest is not None:
            parts.append(f"len({expression}) <= {bind(longest)}")
        if limit is not None:
            name = bind(limit)
            parts.append(f"(4 * len({expression}) <= {name} or {bind(fits_in_bytes)}({name}, {expression}))")
        parts += [f"{bind(search)}({expression}) is not None" for search in patterns]
        return [f"if not ({' and '.join(parts)}): return None"]

    check.source = source  # type: ignore[attr-defined]
    return check


def _judge(
    key: str, entry: tuple[Any, FastCheck], template: Mapping[str, Any], per_key: dict[str, list[tuple[Any, FastCheck]]]
) -> None:
    """Decide ``check`` on a constant value now; keep it for each record on a templated one."""
    if key in per_key:
        per_key[key].append(entry)
    elif not entry[1](template[key]):
        raise _Unsplittable  # a constant value the schema refuses: explained by the full path


def _rule(
    rule: Mapping[str, Any],
    template: Mapping[str, Any],
    templated: frozenset[str],
    per_key: dict[str, list[tuple[Any, FastCheck]]],
    whole: list[FastCheck],
) -> None:
    condition, then = _only(rule.get("if", True), _CONDITION), _only(rule.get("then", {}), _CONDITION)
    read = set(condition.get("properties", {}))
    if read & templated:  # the condition reads a record's value: the rule is judged per record, whole
        holds, applies = _compiled(condition), _compiled(then)
        whole.append(lambda instance: not holds(instance) or applies(instance))
        return
    if not _compiled(condition)(template):  # reads constants (and which keys are there) only
        return
    if any(key not in template for key in then.get("required", ())):
        raise _Unsplittable
    for key, sub in then.get("properties", {}).items():
        if key in template and sub is not True:
            if sub is False:
                raise _Unsplittable
            _judge(key, (sub, _compiled(sub)), template, per_key)


def _conjunction(checks: list[tuple[str, tuple[FastCheck, ...]]], whole: tuple[FastCheck, ...]) -> FastCheck:
    if len(checks) == 1 and len(checks[0][1]) == 1 and not whole:
        (key, (only,)), = checks

        def one(instance: Any) -> bool:
            return only(instance[key])

        return one

    def every(instance: Any) -> bool:
        for key, found in checks:
            value = instance[key]
            for check in found:
                if not check(value):
                    return False
        for check in whole:
            if not check(instance):
                return False
        return True

    return every


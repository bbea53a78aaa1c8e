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

from collections.abc import Mapping
from typing import Any

from .fastcheck import FastCheck, compile_fast_check
from .keywords import MAX_BYTES, TIMESTAMP

__all__ = ["split_fast_check"]

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


def split_fast_check(schema: Mapping[str, Any], template: Mapping[str, Any], templated: frozenset[str]) -> FastCheck | None:
    """A yes/no check of instances shaped like ``template`` (its keys; its values except under the
    ``templated`` keys), judging only the templated values per call; None when it cannot be split
    or when a constant part is invalid (the general check then finds and explains it)."""
    try:
        return _split(schema, template, templated)
    except _Unsplittable:
        return None


def _split(schema: Mapping[str, Any], template: Mapping[str, Any], templated: frozenset[str]) -> FastCheck:
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
    per_key: dict[str, list[FastCheck]] = {key: [] for key in templated}
    whole: list[FastCheck] = []
    for key in template:
        sub = properties[key] if key in properties else extra
        if sub is False:
            raise _Unsplittable  # an unknown key: never valid
        if sub is not True:
            _judge(key, _compiled(sub), template, per_key)
    for rule in schema.get("allOf", ()):
        _rule(_only(rule, _RULE), template, templated, per_key, whole)
    checks = [(key, tuple(found)) for key, found in per_key.items() if found]
    return _conjunction(checks, tuple(whole))


def _judge(key: str, check: FastCheck, template: Mapping[str, Any], per_key: dict[str, list[FastCheck]]) -> None:
    """Decide ``check`` on a constant value now; keep it for each record on a templated one."""
    if key in per_key:
        per_key[key].append(check)
    elif not check(template[key]):
        raise _Unsplittable  # a constant value the schema refuses: explained by the full path


def _rule(
    rule: Mapping[str, Any],
    template: Mapping[str, Any],
    templated: frozenset[str],
    per_key: dict[str, list[FastCheck]],
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
            _judge(key, _compiled(sub), template, per_key)


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


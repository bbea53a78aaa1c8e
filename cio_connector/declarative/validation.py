"""JSON Schema checking that reports every problem with a path, a label and a plain message."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .._util.jsonpath import PathPart, json_path
from .._util.suggest import did_you_mean
from ..errors import Problem
from .keywords import (
    MAX_BYTES,
    MESSAGE,
    TIMESTAMP,
    max_bytes_message,
    timestamp_message,
)
from .patterns import ecma_regex

__all__ = ["MAX_BYTES", "MESSAGE", "SchemaChecker", "TIMESTAMP", "TYPE_NAMES", "ecma_regex"]


def _max_bytes(validator: Any, limit: int, instance: Any, schema: Mapping) -> Iterator[ValidationError]:
    message = max_bytes_message(limit, instance)
    if message is not None:
        yield ValidationError(message)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping) -> Iterator[ValidationError]:
    if isinstance(instance, str) and _over_limit(instance, schema):
        return  # its length problem is the one to fix; a pattern over a huge value only costs time
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _over_limit(instance: str, schema: Mapping) -> bool:
    limits = [schema.get("maxLength"), schema.get(MAX_BYTES)]  # UTF-8 has at least a byte per character
    return any(isinstance(limit, int) and len(instance) > limit for limit in limits)


def _max_length(validator: Any, limit: int, instance: Any, schema: Mapping) -> Iterator[ValidationError]:
    """``maxLength`` beside ``x-maxBytes`` is the browser's copy of the byte limit: report the bytes only."""
    if schema.get(MAX_BYTES, limit + 1) <= limit:
        return
    yield from _MAX_LENGTH(validator, limit, instance, schema)


def _timestamp(validator: Any, enabled: bool, instance: Any, schema: Mapping) -> Iterator[ValidationError]:
    message = timestamp_message(instance) if enabled else None
    if message is not None:
        yield ValidationError(message)


_MAX_LENGTH = Draft202012Validator.VALIDATORS["maxLength"]
_Validator = validators.extend(
    Draft202012Validator,
    {MAX_BYTES: _max_bytes, "pattern": _pattern, TIMESTAMP: _timestamp, "maxLength": _max_length},
)

# Patterns check a date-time's shape; only a calendar knows that 2024-02-30 does not exist.
_FORMATS = FormatChecker(())
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@_FORMATS.checks("date-time", raises=ValueError)
def _is_calendar_date(instance: Any) -> bool:
    match = _DATE.match(instance) if isinstance(instance, str) else None
    if match:
        dt.date(*map(int, match.groups()))
    return True

#: JSON Schema type names as a sentence says them ("must be an integer").
TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}

# ``x-message`` explains a failed shape (pattern, format, choice); sizes and types speak for themselves.
_SHAPE_KEYWORDS = frozenset({"pattern", "format", "anyOf", "oneOf", "const", "enum", "not"})

LabelLookup = Callable[[tuple[PathPart, ...]], "str | None"]


class SchemaChecker:
    """Validates instances against one schema and turns every failure into a ``Problem``."""

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        label_for: LabelLookup | None = None,
        is_secret: Callable[[tuple[PathPart, ...]], bool] | None = None,
        registry: Any = None,
    ) -> None:
        kwargs = {"registry": registry} if registry is not None else {}
        self._validator = _Validator(schema, format_checker=_FORMATS, **kwargs)
        self._label_for = label_for or (lambda parts: None)
        self._is_secret = is_secret or (lambda parts: False)

    def problems(self, instance: Any) -> list[Problem]:
        found: dict[tuple[str, str], Problem] = {}
        for error in self._validator.iter_errors(instance):
            for parts, message, code in _explain(error):
                problem = Problem(
                    json_path(parts),
                    self._redact(parts, message, error),
                    label=self._label_for(parts),
                    code=code,
                    location=parts,
                )
                found.setdefault((problem.path, problem.message), problem)
        mistyped = {p.path for p in found.values() if p.code == "type"}
        # A value of the wrong type fails its other checks too; the type is what to fix first.
        kept = [p for p in found.values() if p.code == "type" or p.path not in mistyped]
        # The same complaint about a container and about a value inside it: the inner one says where.
        return [p for p in kept if not any(_inside(q, p) for q in kept)]

    def _redact(self, parts: tuple[PathPart, ...], message: str, error: ValidationError) -> str:
        if self._is_secret(parts) and _mentions_value(message, error.instance):
            return "is invalid"
        return message


def _inside(inner: Problem, outer: Problem) -> bool:
    depth = len(outer.location)
    return (
        inner.message == outer.message
        and len(inner.location) > depth
        and inner.location[:depth] == outer.location
    )


def _mentions_value(message: str, instance: Any) -> bool:
    return isinstance(instance, str) and bool(instance) and instance in message


def _explain(error: ValidationError) -> Iterator[tuple[tuple[PathPart, ...], str, str]]:
    """Yield (path parts, message, code) for one jsonschema error; one error may name several keys."""
    parts = tuple(error.absolute_path)
    kind = str(error.validator)
    # jsonschema types these ``Any | Unset``; both are set on every error iter_errors yields.
    value: Any = error.validator_value
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if "propertyNames" in error.relative_schema_path:
        yield (*parts, str(error.instance)), f"name {_plain(error)}", "property_name"
    elif kind == "required":
        said = str(schema[MESSAGE]) if MESSAGE in schema else "is required"  # a rule's own reason
        for key in value:
            if isinstance(error.instance, Mapping) and key not in error.instance:
                yield (*parts, key), said, "required"
    elif kind == "additionalProperties" and value is False:
        known = list(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                listing = ", ".join(known) if known else "none"
                hint = did_you_mean(str(key), known)  # every command says it, not only validate
                yield (*parts, key), f"unknown field{hint or ';'} known fields: {listing}", "unknown_field"
    elif kind == "dependentRequired" and isinstance(error.instance, Mapping):
        for key, needed in value.items():
            missing = [name for name in needed if name not in error.instance]
            if key in error.instance and missing:
                yield (*parts, key), f"needs {', '.join(map(repr, missing))} as well", kind
    elif MESSAGE in schema and kind in _SHAPE_KEYWORDS:
        yield parts, str(schema[MESSAGE]), kind
    else:
        yield parts, _plain(error), kind


def _plain(error: ValidationError) -> str:
    kind = str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        names = " or ".join(TYPE_NAMES.get(str(name), str(name)) for name in wanted)
        return f"must be {names}, not {_type_of(instance)}"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters"
    if kind == "maxLength":
        return f"is {len(instance)} characters; at most {value} allowed"
    if kind == "pattern":
        return f"does not match the pattern {value}"
    if kind == "minimum":
        return f"must be at least {value}"
    if kind == "maximum":
        return f"must be at most {value}"
    if kind == "maxProperties":
        return f"has {len(instance)} entries; at most {value} allowed"
    if kind == "minItems":
        return "must not be empty" if value == 1 else f"must have at least {value} items"
    if kind == "uniqueItems" and isinstance(instance, list):
        repeated = sorted({repr(item) for index, item in enumerate(instance) if item in instance[:index]})
        return f"must not repeat items; repeated: {', '.join(repeated)}"
    if kind in ("oneOf", "anyOf") and _is_choice_list(value):
        allowed = ", ".join(_choice_text(choice) for choice in value)
        return f"{instance!r} is not one of: {allowed}" if _short(instance) else f"must be one of: {allowed}"
    if kind in ("enum",):
        return f"must be one of: {', '.join(map(repr, value))}"
    if kind == "const":
        return f"must be {value!r}"
    return error.message


def _is_choice_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, Mapping) and "const" in item for item in value
    )


def _choice_text(choice: Mapping[str, Any]) -> str:
    title = choice.get("title")
    return f"{choice['const']} ({title})" if title else str(choice["const"])


def _short(instance: Any) -> bool:
    return isinstance(instance, (str, int, float)) and len(repr(instance)) <= 60


def _type_of(instance: Any) -> str:
    if isinstance(instance, bool):
        return "a boolean"
    if isinstance(instance, int):
        return "an integer"
    if isinstance(instance, float):
        return "a number"
    if isinstance(instance, str):
        return "a string"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, Mapping):
        return "an object"
    return "null" if instance is None else type(instance).__name__

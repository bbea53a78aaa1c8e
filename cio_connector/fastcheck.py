"""A compiled yes/no validator for the valid path; the full checker explains every no.

``jsonschema-rs`` (Rust) answers whether an instance is valid in about a microsecond. It ignores
our ``x-`` keywords, so those are checked by small compiled functions that call the very keyword
functions the full checker uses; formats are left out on both sides except ``date-time``, which
only the full checker knows, so a schema using it is never given a fast path. A schema this module
cannot read faithfully gets no fast path at all (``compile_fast_check`` returns None): the answer
then always comes from the full checker, never from a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .keywords import MAX_BYTES, TIMESTAMP, fits_in_bytes, timestamp_message

__all__ = ["FastCheck", "compile_fast_check"]

FastCheck = Callable[[Any], bool]
_Check = Callable[[Any], bool]

# Keywords that hold subschemas applied to the same instance or to its parts.
_APPLICATORS = frozenset(
    {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "items", "prefixItems", "contains",
     "properties", "patternProperties", "additionalProperties", "propertyNames", "dependentSchemas",
     "unevaluatedItems", "unevaluatedProperties", "$ref", "$dynamicRef"}
)


class _Unsupported(Exception):
    """The schema uses something the fast path cannot mirror exactly."""


def compile_fast_check(schema: Mapping[str, Any]) -> FastCheck | None:
    """A function answering "is ``instance`` valid?" exactly as the full checker would, or None."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - declared dependency; a host without wheels still works
        return None
    try:
        extra = _compile(schema)
        validator = jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=False)
    except _Unsupported:
        return None
    except Exception:  # a schema the Rust engine refuses (an exotic pattern): the full path decides
        return None
    is_valid = validator.is_valid

    def check(instance: Any) -> bool:
        try:
            return is_valid(instance) and (extra is None or extra(instance))
        except Exception:  # values the engine cannot take (huge ints, surrogates): explain slowly
            return False

    return check


def _compile(schema: Any) -> _Check | None:
    """The ``x-`` keyword checks inside ``schema`` as one function (None when there are none)."""
    if not isinstance(schema, Mapping):
        return None
    if schema.get("format") == "date-time":
        raise _Unsupported("date-time format is checked against the calendar by the full checker only")
    checks: list[_Check] = []
    if MAX_BYTES in schema:
        limit = schema[MAX_BYTES]
        checks.append(lambda value: fits_in_bytes(limit, value))
    if schema.get(TIMESTAMP):
        checks.append(lambda value: timestamp_message(value) is None)
    checks.extend(_applicators(schema))
    return _all(checks)


def _all(checks: list[_Check]) -> _Check | None:
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    first, *rest = checks

    def every(value: Any) -> bool:
        if not first(value):
            return False
        for check in rest:
            if not check(value):
                return False
        return True

    return every


def _applicators(schema: Mapping[str, Any]) -> list[_Check]:
    checks: list[_Check] = []
    for keyword, sub in schema.items():
        if keyword not in _APPLICATORS:
            continue
        if keyword == "properties":
            props = [(key, inner) for key, prop in sub.items() if (inner := _compile(prop)) is not None]
            if props:
                checks.append(_properties(props))
        elif keyword == "additionalProperties":
            inner = _compile(sub)
            if inner is not None:
                if "patternProperties" in schema:
                    raise _Unsupported("additionalProperties beside patternProperties")
                checks.append(_additional(frozenset(schema.get("properties", {})), inner))
        elif keyword == "propertyNames":
            inner = _compile(sub)
            if inner is not None:
                checks.append(_names(inner))
        elif keyword == "allOf":
            checks.extend(inner for part in sub if (inner := _compile(part)) is not None)
        elif keyword == "if":
            then, otherwise = _compile(schema.get("then")), _compile(schema.get("else"))
            if _compile(sub) is not None:
                raise _Unsupported("x- keywords inside an if")
            if then is not None or otherwise is not None:
                checks.append(_conditional(sub, then, otherwise))
        elif keyword in ("then", "else"):
            continue  # compiled with their "if"
        elif _compile_any(sub):
            raise _Unsupported(f"x- keywords under {keyword}")
    return checks


def _compile_any(sub: Any) -> bool:
    """Whether ``sub`` (a schema or a list or map of them) holds any x- keyword."""
    if isinstance(sub, list):
        return any(_compile_any(item) for item in sub)
    if isinstance(sub, Mapping):
        if _compile(sub) is not None:
            return True
        return any(_compile_any(value) for value in sub.values() if isinstance(value, (Mapping, list)))
    return False


def _properties(props: list[tuple[str, _Check]]) -> _Check:
    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key, inner in props:
                if key in value and not inner(value[key]):
                    return False
        return True

    return check


def _additional(known: frozenset[str], inner: _Check) -> _Check:
    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in known and not inner(item):
                    return False
        return True

    return check


def _names(inner: _Check) -> _Check:
    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key in value:
                if not inner(key):
                    return False
        return True

    return check


def _conditional(condition: Mapping[str, Any], then: _Check | None, otherwise: _Check | None) -> _Check:
    import jsonschema_rs

    holds = jsonschema_rs.Draft202012Validator(dict(condition), validate_formats=False).is_valid

    def check(value: Any) -> bool:
        branch = then if holds(value) else otherwise
        return branch is None or branch(value)

    return check

"""A compiled yes/no validator for the valid path; the full checker explains every no.

``jsonschema-rs`` (Rust) answers whether an instance is valid in about a microsecond. It ignores
our ``x-`` keywords, so those are checked by small compiled functions that call the very keyword
functions the full checker uses; formats are left out on both sides except ``date-time``, which
only the full checker knows, so a schema using it is never given a fast path. A schema this module
cannot read faithfully gets no fast path at all (``compile_fast_check`` returns None): the answer
then always comes from the full checker, never from a guess.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from .keywords import MAX_BYTES, TIMESTAMP, fits_in_bytes, size_bound, timestamp_message

__all__ = ["FastCheck", "compile_fast_check", "specialize_fast_check"]

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
    return _fast_check(schema, _compile)


def specialize_fast_check(
    schema: Mapping[str, Any], template: Mapping[str, Any], constant: frozenset[str]
) -> FastCheck | None:
    """``compile_fast_check`` for instances whose top-level ``constant`` keys always hold
    ``template``'s values: their ``x-`` checks run once, here, not per record (None when one fails
    or the schema cannot be split so; the plan then keeps the general check)."""
    properties = schema.get("properties")
    if not constant or not isinstance(properties, Mapping):
        return None
    try:
        for key in constant:
            inner = _compile(properties.get(key))
            if inner is not None and not inner(template[key]):
                return None
    except _Unsupported:
        return None
    return _fast_check(schema, lambda whole: _compile(whole, skip=constant))


def _fast_check(schema: Mapping[str, Any], compile_extra: Callable[[Any], _Check | None]) -> FastCheck | None:
    try:
        extra = compile_extra(schema)
        is_valid = _rust_is_valid(schema)
    except _Unsupported:
        return None
    except Exception:  # a schema the Rust engine refuses (an exotic pattern): the full path decides
        return None
    if is_valid is None:
        return None
    # Only x- keywords and notes: nothing for the compiled validator to judge, so no call into it.
    trivial = all(keyword.startswith("x-") or keyword in _NOTES for keyword in schema)

    def check(instance: Any) -> bool:
        try:
            return (trivial or is_valid(instance)) and (extra is None or extra(instance))
        except Exception:  # values the engine cannot take (huge ints, surrogates): explain slowly
            return False

    return check


# Keywords that judge nothing (x- keywords are ours: compiled into ``extra``).
_NOTES = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated",
                    "readOnly", "writeOnly"})


def _compile(schema: Any, skip: frozenset[str] = frozenset()) -> _Check | None:
    """The ``x-`` keyword checks inside ``schema`` as one function (None when there are none);
    ``skip`` names top-level properties already checked (their values never change)."""
    if not isinstance(schema, Mapping):
        return None
    if schema.get("format") == "date-time":
        raise _Unsupported("date-time format is checked against the calendar by the full checker only")
    mapping = _mapping_limits(schema)
    if mapping is not None:
        return mapping
    checks: list[_Check] = []
    if MAX_BYTES in schema:
        limit = schema[MAX_BYTES]
        checks.append(lambda value: fits_in_bytes(limit, value))
    if schema.get(TIMESTAMP):
        checks.append(lambda value: timestamp_message(value) is None)
    checks.extend(_applicators(schema, skip))
    return _all(checks)


def _only_max_bytes(sub: Any) -> int | None | bool:
    """A subschema's byte limit when that is its only x- keyword (None: it has none; False: more)."""
    if sub is None:
        return None
    if not isinstance(sub, Mapping) or any(key in _APPLICATORS for key in sub) or sub.get(TIMESTAMP):
        return False
    limit = sub.get(MAX_BYTES)
    return limit if isinstance(limit, int) else (False if limit is not None else None)


def _mapping_limits(schema: Mapping[str, Any]) -> _Check | None:
    """A free-form map's three byte limits (each key, each value, the whole) in one pass.

    The attribute maps of every action look like this; checking them key by key through the
    general machinery costs three walks and a dozen calls per record.
    """
    if "properties" in schema or "patternProperties" in schema:
        return None
    if "propertyNames" not in schema and "additionalProperties" not in schema:
        return None
    if any(key in _APPLICATORS for key in schema if key not in ("propertyNames", "additionalProperties")):
        return None
    names, values = _only_max_bytes(schema.get("propertyNames")), _only_max_bytes(schema.get("additionalProperties"))
    whole = schema.get(MAX_BYTES)
    if names is False or values is False or schema.get(TIMESTAMP) or not isinstance(whole, (int, type(None))):
        return None
    if names is None and values is None and whole is None:
        return None

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True  # the type is the compiled validator's to judge
        total = 2  # {}
        for key, item in value.items():
            if type(key) is not str:
                return _exactly(value, names, values, whole)
            if names is not None and 4 * len(key) > names and not fits_in_bytes(names, key):
                return False
            kind = type(item)
            if kind is str:
                if values is not None and 4 * len(item) > values and not fits_in_bytes(values, item):
                    return False
                total += 6 * len(key) + 6 * len(item) + 8  # "key":"item", and a comma
            else:
                if values is not None and not fits_in_bytes(values, item):
                    return False
                bound = size_bound(item)
                total += 6 * len(key) + 4 + (bound if bound is not None else 10**9)
        return whole is None or total <= whole or fits_in_bytes(whole, value)

    return check


def _exactly(value: dict, names: Any, values: Any, whole: Any) -> bool:
    """The three limits checked one by one (a map with a non-text key)."""
    return (
        (names is None or all(fits_in_bytes(names, key) for key in value))
        and (values is None or all(fits_in_bytes(values, item) for item in value.values()))
        and (whole is None or fits_in_bytes(whole, value))
    )


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


def _applicators(schema: Mapping[str, Any], skip: frozenset[str] = frozenset()) -> list[_Check]:
    checks: list[_Check] = []
    for keyword, sub in schema.items():
        if keyword not in _APPLICATORS:
            continue
        if keyword == "properties":
            props = [(key, inner) for key, prop in sub.items() if key not in skip and (inner := _compile(prop)) is not None]
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


# Compiled Rust validators by the schema's canonical JSON: a plan specialised per config reuses
# its action's (compiling one costs a fraction of a millisecond). Bounded: least recent go first.
_VALIDATORS: OrderedDict[str, Callable[[Any], bool]] = OrderedDict()
_VALIDATORS_LOCK = threading.Lock()


def _rust_is_valid(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - declared dependency; a host without wheels still works
        return None
    key = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    with _VALIDATORS_LOCK:
        found = _VALIDATORS.get(key)
        if found is not None:
            _VALIDATORS.move_to_end(key)
            return found
    found = jsonschema_rs.Draft202012Validator(dict(schema), validate_formats=False).is_valid
    with _VALIDATORS_LOCK:
        _VALIDATORS[key] = found
        while len(_VALIDATORS) > 512:
            _VALIDATORS.popitem(last=False)
    return found


def _conditional(condition: Mapping[str, Any], then: _Check | None, otherwise: _Check | None) -> _Check:
    holds = _rust_is_valid(condition)
    if holds is None:  # pragma: no cover - the fast path exists only with jsonschema-rs
        raise _Unsupported("no compiled validator")

    def check(value: Any) -> bool:
        branch = then if holds(value) else otherwise
        return branch is None or branch(value)

    return check

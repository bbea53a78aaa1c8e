"""Templates against a record schema: do the fields they read exist and fit, and what do its examples render to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.jsonpath import PathPart
from .._util.suggest import did_you_mean
from ..pipeline.templating import template_locations
from .records import RecordSchema, Reference, describe_types, reference_text, schema_types, template_use

__all__ = ["example_record", "field_schema", "reference_problem", "value_at"]


def reference_problem(
    records: RecordSchema, reference: Reference, alone: bool, wanted: set[str] | None, label: str | None
) -> str | None:
    """Why ``reference`` does not fit: missing from the record schema, or (used alone) of a type the field refuses."""
    found, missing, known = records.lookup(reference)
    if missing is not None:
        hint = did_you_mean(str(missing[-1]), known)
        hint = hint.replace("'", "'" + reference_text(missing[:-1]) + ".", 1) if hint else ""
        return f"{reference_text(missing)} is not in the record schema{hint}"
    if not alone or wanted is None:
        return None
    have = schema_types(found)
    if have is None:
        return None
    misfit = {t for t in have if not _fits(t, wanted)}
    if not misfit:
        return None
    declared = "may be null" if misfit == {"null"} else f"is {describe_types(have)} in the record schema"
    return f"{reference_text(reference)} {declared}; {label or 'this field'} needs {describe_types(wanted)}"


def _fits(have: str, wanted: set[str]) -> bool:
    """Whether a value of JSON type ``have`` is accepted where ``wanted`` types are (after the
    connector's own fitting: a number becomes text in a text field)."""
    if have in wanted:
        return True
    if have == "integer" and "number" in wanted:
        return True
    return have in ("integer", "number") and "string" in wanted


def example_record(records: RecordSchema, config: Any) -> tuple[dict[str, Any], dict[tuple[PathPart, ...], str]]:
    """A record built from the record schema's ``examples`` (or ``const``, ``default``, ``enum``), and
    the templated locations it can render (each with the example values it used, for messages)."""
    record: dict[str, Any] = {}
    sampled: dict[tuple[PathPart, ...], str] = {}
    for at in template_locations(config):
        use = template_use(value_at(config, at))
        if use is None or not use.references:
            continue
        examples = [(reference, _example(records.lookup(reference))) for reference in use.references]
        if all(value is not _NO_EXAMPLE and _put(record, reference, value) for reference, value in examples):
            sampled[at] = ", ".join(f"{reference_text(reference)} = {value!r}" for reference, value in examples)
    return record, sampled


_NO_EXAMPLE = object()


def _example(found: tuple[Any, Any, list[str]]) -> Any:
    """The value a record schema gives as an example at a path, or ``_NO_EXAMPLE``."""
    schema, missing, _ = found
    if missing is not None or not isinstance(schema, Mapping):
        return _NO_EXAMPLE
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for keyword in ("const", "default"):
        if keyword in schema:
            return schema[keyword]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    return _NO_EXAMPLE


def _put(record: dict[str, Any], reference: tuple[PathPart, ...], value: Any) -> bool:
    """Set ``record[a][b] = value`` for ``("a", "b")``; False where a path goes through a list."""
    if not reference or any(not isinstance(part, str) for part in reference):
        return False
    here = record
    for part in reference[:-1]:
        child = here.setdefault(str(part), {})
        if not isinstance(child, dict):
            return False
        here = child
    here[str(reference[-1])] = value
    return True


def value_at(config: Any, parts: tuple[PathPart, ...]) -> Any:
    for part in parts:
        try:
            config = config[part]
        except (KeyError, IndexError, TypeError):
            return None
    return config


def field_schema(schema: Mapping[str, Any], parts: tuple[PathPart, ...]) -> Any:
    here: Any = schema
    for part in parts:
        if not isinstance(here, Mapping):
            return None
        properties = here.get("properties") or {}
        if part in properties:
            here = properties[part]
        elif isinstance(here.get("additionalProperties"), Mapping):
            here = here["additionalProperties"]
        elif isinstance(here.get("items"), Mapping):
            here = here["items"]
        else:
            return None
    return here

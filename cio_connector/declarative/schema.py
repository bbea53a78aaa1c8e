"""Manifest -> JSON Schema (draft 2020-12) for action inputs and the connection; writes schemas/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._util.timestamps import ISO_DATETIME_PATTERN
from ..facts import EMAIL_PATTERN, UNIX_SECONDS_MAX
from .keywords import MAX_BYTES, MESSAGE, TIMESTAMP
from .models import ActionManifest, ConnectorManifest, Constraints, Field, Rule, Then, model_data
from .patterns import portable_pattern

__all__ = [
    "DRAFT",
    "EMAIL_PATTERN",
    "ISO_DATETIME_PATTERN",
    "URL_PATTERN",
    "action_schema",
    "connection_schema",
    "field_schema",
    "portable_schema",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
OPTIONS = "x-dynamic-options"

# Formats are annotations in 2020-12 and validators differ on them, so every format we rely on is
# also spelled as a pattern: any runtime that validates our schemas reaches the same verdict.
# One host character then anything but spaces: the same strings as ``[^\s/?#]+[^\s]*`` (the host
# class is inside the rest's), without two overlapping quantifiers that backtrack quadratically.
URL_PATTERN = r"^(https?://[^\s/?#][^\s]*|/[^\s]*)$"
# [0-9], not \d: in Python's re \d also matches other scripts' digits, which no parser reads.


def _constraints(c: Constraints) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if c.format == "email":
        out.update(format="email", pattern=EMAIL_PATTERN)
    elif c.format == "uri":
        out.update(format="uri", pattern=URL_PATTERN)
    elif c.format == "date-time":
        out.update(format="date-time", pattern=ISO_DATETIME_PATTERN)
    simple = {
        "min_length": "minLength",
        "max_length": "maxLength",
        "pattern": "pattern",
        "minimum": "minimum",
        "maximum": "maximum",
        "max_properties": "maxProperties",
        "max_bytes": MAX_BYTES,
    }
    for name, keyword in simple.items():
        value = getattr(c, name)
        if value is not None:
            out[keyword] = int(value) if isinstance(value, float) and value.is_integer() else value
    if c.pattern_message:
        out[MESSAGE] = c.pattern_message
    return out


def _with_max_length(schema: dict[str, Any]) -> dict[str, Any]:
    """A string of N UTF-8 bytes has at most N characters: say so in a keyword every browser checks."""
    if MAX_BYTES in schema and "maxLength" not in schema:
        schema["maxLength"] = schema[MAX_BYTES]
    return schema


def _typed(field: Field) -> dict[str, Any]:
    kind = field.type
    c = field.constraints
    if kind == "enum":
        values = [choice.value for choice in field.choices or ()]
        json_type = "integer" if all(isinstance(v, int) for v in values) else "string"
        return {
            "type": json_type,
            "oneOf": [{"const": ch.value, "title": ch.label} for ch in field.choices or ()],
        }
    if kind == "email":
        email = {"type": "string", "format": "email", "pattern": EMAIL_PATTERN, MESSAGE: "must be an email address"}
        return _with_max_length({**email, **_constraints(c)})
    if kind == "url":
        return _with_max_length({
            "type": "string",
            "format": "uri-reference",
            "pattern": URL_PATTERN,
            MESSAGE: "must be an http(s) URL or a path starting with /",
            **_constraints(c),
        })
    if kind == "datetime":
        return {
            "anyOf": [
                {"title": "Unix seconds", "type": "integer", "minimum": 0, "maximum": UNIX_SECONDS_MAX},
                {"title": "ISO-8601 date-time", "type": "string", "pattern": ISO_DATETIME_PATTERN},
            ],
            TIMESTAMP: True,
            MESSAGE: "must be an ISO-8601 date-time (2024-05-01T12:00:00Z) or unix seconds (not milliseconds)",
        }
    if kind == "attributes":
        schema: dict[str, Any] = {"type": "object"}
        names: dict[str, Any] = {"minLength": 1}
        if c.key_max_bytes:
            names[MAX_BYTES] = c.key_max_bytes
        schema["propertyNames"] = _with_max_length(names)
        if c.value_max_bytes:
            schema["additionalProperties"] = {MAX_BYTES: c.value_max_bytes}
        if c.max_properties:
            schema["maxProperties"] = c.max_properties
        if c.max_bytes:
            schema[MAX_BYTES] = c.max_bytes
        return schema
    if kind == "object":
        return _object(field.fields or ())
    typed = {"type": kind, **_constraints(c)}
    return _with_max_length(typed) if kind == "string" else typed


def field_schema(field: Field) -> dict[str, Any]:
    """One field's JSON Schema, with the UI hints forms need (title, writeOnly, x- extensions)."""
    schema: dict[str, Any] = {"title": field.label}
    if field.description:
        schema["description"] = " ".join(field.description.split())
    schema.update(_typed(field))
    if field.default is not None:
        schema["default"] = field.default
    if field.secret:
        schema["writeOnly"] = True
    if field.placeholder:
        schema["x-placeholder"] = field.placeholder
    if field.advanced:
        schema["x-advanced"] = True
    if field.options:
        schema[OPTIONS] = model_data(field.options)
    return schema


def _object(fields: Iterable[Field], rules: Iterable[Rule] = ()) -> dict[str, Any]:
    fields = tuple(fields)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.key: field_schema(f) for f in fields},
        "required": [f.key for f in fields if f.required],
        "additionalProperties": False,
    }
    conditions = [_rule(rule) for rule in rules]
    if conditions:
        schema["allOf"] = conditions
    return schema


def _rule(rule: Rule) -> dict[str, Any]:
    when, then = rule.when, rule.then
    consequence: dict[str, Any] = {"properties": {then.field: _rule_constraints(then)}}
    if then.required:  # the message explains a missing field too
        consequence.update(required=[then.field], **{MESSAGE: then.message})
    return {
        "if": {"properties": {when.field: {"const": when.equals}}, "required": [when.field]},
        "then": consequence,
    }


def _rule_constraints(then: Then) -> dict[str, Any]:
    """Ajv's strict mode wants the type beside string keywords; the field's own type still decides."""
    c = then.constraints
    texts = (c.format, c.pattern, c.min_length, c.max_length)
    typed = {"type": "string"} if any(v is not None for v in texts) else {}
    return {**typed, **_constraints(c), MESSAGE: then.message}


def portable_schema(schema: Any) -> Any:
    """Every ``pattern`` spelled so Python, Rust and JavaScript engines read it alike."""
    if isinstance(schema, dict):
        return {
            key: portable_pattern(value) if key == "pattern" and isinstance(value, str) else portable_schema(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [portable_schema(item) for item in schema]
    return schema


def action_schema(connector: ConnectorManifest, action: ActionManifest) -> dict[str, Any]:
    return portable_schema({
        "$schema": DRAFT,
        "$id": f"urn:cio-connector:{connector.id}:action:{action.name}",
        "title": action.title,
        "description": " ".join(action.description.split()),
        **_object(action.fields, action.rules),
        "x-action": action.name,
        "x-connector": {"id": connector.id, "version": connector.version},
    })


def connection_schema(connector: ConnectorManifest) -> dict[str, Any]:
    return portable_schema({
        "$schema": DRAFT,
        "$id": f"urn:cio-connector:{connector.id}:connection",
        "title": f"{connector.name} connection",
        "description": " ".join(connector.description.split()),
        **_object(connector.connection.fields),
        "x-connector": {"id": connector.id, "version": connector.version},
    })

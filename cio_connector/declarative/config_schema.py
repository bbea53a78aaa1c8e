"""Config schemas: what a stored config or a form may hold, a valid concrete value or a template."""

from __future__ import annotations

from typing import Any

from .models import ActionManifest, ConnectorManifest, Field
from .schema import action_schema, field_schema, portable_schema

__all__ = ["ANNOTATIONS", "TEMPLATE", "TEMPLATE_PATTERN", "config_schema", "is_templatable"]

#: Any of jinja2's markers (``{{``, ``{%``, ``{#``), as ``templating.is_template`` reads a value.
TEMPLATE_PATTERN = r"\{[{%#]"

#: The branch a templated value takes. It carries no value constraint: the runtime checks the
#: rendered value against the input schema, once a record exists.
TEMPLATE: dict[str, Any] = {
    "title": "Template",
    "type": "string",
    "pattern": TEMPLATE_PATTERN,
    "description": "A jinja2 template rendered against each record, e.g. {{ record.email }}.",
}

#: Keywords that describe a field rather than constrain its value: they stay on the field.
ANNOTATIONS = ("title", "description", "default", "writeOnly", "x-placeholder", "x-advanced", "x-dynamic-options")

# The union of a branch's type and the template's, so a form library that picks its widget by
# ``type`` still finds one. "string" first: react-jsonschema-form then leaves the field to the anyOf.
_TYPES = {"integer": ["string", "integer"], "number": ["string", "number"], "boolean": ["string", "boolean"],
          "datetime": ["string", "integer"], "attributes": ["string", "object"], "object": ["string", "object"]}


def is_templatable(field: Field) -> bool:
    """Every field but a choice: a form offers the choices, and the matching rules key on them."""
    return field.type != "enum"


def _config_field(field: Field) -> dict[str, Any]:
    schema = field_schema(field)
    if not is_templatable(field):
        return schema
    outer = {key: schema.pop(key) for key in ANNOTATIONS if key in schema}
    outer["type"] = _TYPES.get(field.type, "string")
    if field.type == "object":
        schema["properties"] = {f.key: _config_field(f) for f in field.fields or ()}
    if isinstance(schema.get("additionalProperties"), dict):  # attribute values may be templates too
        schema["additionalProperties"] = {"anyOf": [schema["additionalProperties"], TEMPLATE]}
    elif field.type == "attributes":  # said outright, so a form offers to add entries
        schema["additionalProperties"] = True
    if field.type == "datetime":  # its branches (unix seconds, ISO) sit beside the template's
        branches = schema.pop("anyOf")
        return {**outer, **schema, "anyOf": [*branches, TEMPLATE]}
    return {**outer, "anyOf": [{"title": "Value", **schema}, TEMPLATE]}


def _config_rule(rule: dict[str, Any], templatable: set[str]) -> dict[str, Any]:
    """A matching rule's ``then`` binds concrete values only: a template passes, rendered later.

    Spelled ``if template / else constraints`` rather than a second ``anyOf``: form libraries merge
    a rule into its field, and two ``anyOf`` lists merged show the template branch twice.
    """
    then = rule["then"]["properties"]
    guarded = {key: {"if": _IS_TEMPLATE, "else": value} if key in templatable else value for key, value in then.items()}
    return {**rule, "then": {**rule["then"], "properties": guarded}}


_IS_TEMPLATE = {"type": "string", "pattern": TEMPLATE_PATTERN}


def config_schema(connector: ConnectorManifest, action: ActionManifest) -> dict[str, Any]:
    """The action's schema for stored configs: the input schema, each templatable field widened."""
    schema = action_schema(connector, action)
    templatable = {f.key for f in action.fields if is_templatable(f)}
    schema["$id"] = f"urn:cio-connector:{connector.id}:config:{action.name}"
    schema["properties"] = {f.key: _config_field(f) for f in action.fields}
    if "allOf" in schema:
        schema["allOf"] = [_config_rule(rule, templatable) for rule in schema["allOf"]]
    schema["$comment"] = (
        "A stored config: each field holds a valid value or a {{ template }} rendered per record. "
        f"Rendered values are checked against actions/{action.name}.json."
    )
    return portable_schema(schema)



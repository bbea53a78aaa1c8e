"""UI schemas, generated from the manifests, for react-jsonschema-form and for JSON Forms.

Both go with the config schemas (``schemas/config/<action>.json``) and the connection schema. A
field with dynamic options names its source; the host fills the choices with ``with_options``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ..declarative.config_schema import config_schema, is_templatable
from ..declarative.models import Field, Rule
from ..runtime import Connector

__all__ = [
    "jsonforms_connection_ui_schema",
    "jsonforms_ui_schema",
    "options_route",
    "rjsf_connection_ui_schema",
    "rjsf_ui_schema",
    "template_help",
    "ui_schemas",
    "with_options",
]

def template_help(key: str) -> str:
    """The help under a templatable input: both things it takes."""
    return f"A value, or a template rendered for each record, such as {{{{ record.{key} }}}}."


def options_route(action: str, field: str) -> str:
    """Where the form page (and a host copying it) serves a field's live options, relative to /forms."""
    return f"options/{action}/{field}"


# -- react-jsonschema-form ------------------------------------------------------------------------


def _rjsf_value(field: Field, action: str | None) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    if field.secret:
        ui["ui:widget"] = "password"
    if field.placeholder and not field.placeholder.startswith("{{"):
        ui["ui:placeholder"] = field.placeholder
    if field.options and action:
        ui["ui:widget"] = "select"
        ui["ui:options"] = {"optionsSource": {**dataclasses.asdict(field.options), "route": options_route(action, field.key)}}
    if field.type == "datetime":
        ui["anyOf"] = [{"ui:title": "Unix seconds"}, {"ui:title": "ISO-8601 date-time", "ui:placeholder": "2024-05-01T12:00:00Z"}]
    if field.fields:
        ui.update(_rjsf_fields(field.fields, action=None))
    return ui


def _rjsf_field(field: Field, action: str | None, templated: bool) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    if field.advanced:
        ui["ui:widget"] = "hidden"
        return ui
    value = _rjsf_value(field, action)
    if not (templated and is_templatable(field)):
        return {**ui, **value}
    # The schema's description shows under the label; the help under the input says what it takes.
    ui["ui:help"] = template_help(field.key)
    placeholder = field.placeholder if field.placeholder and "{{" in field.placeholder else f"{{{{ record.{field.key} }}}}"
    template = {"ui:title": "Template", "ui:placeholder": placeholder}
    if field.type == "datetime":  # its two value branches sit beside the template's
        return {**ui, "anyOf": [*value.pop("anyOf"), template]}
    return {**ui, "anyOf": [{"ui:title": "Value", **value}, template]}


def _rjsf_fields(fields: Iterable[Field], action: str | None, templated: bool = False) -> dict[str, Any]:
    fields = tuple(fields)
    ui: dict[str, Any] = {"ui:order": [f.key for f in fields]}
    for field in fields:
        ui[field.key] = _rjsf_field(field, action, templated)
    return ui


def rjsf_ui_schema(connector: Connector, action: str) -> dict[str, Any]:
    """react-jsonschema-form's ``uiSchema`` for ``schemas/config/<action>.json``."""
    manifest = connector.action(action).manifest
    return {"ui:title": manifest.title, **_rjsf_fields(manifest.fields, action, templated=True)}


def rjsf_connection_ui_schema(connector: Connector) -> dict[str, Any]:
    """react-jsonschema-form's ``uiSchema`` for ``schemas/connection.json``: secrets masked, sandbox fields hidden."""
    return _rjsf_fields(connector.manifest.connection.fields, action=None)


# -- JSON Forms -----------------------------------------------------------------------------------

_ALWAYS = {"scope": "#", "schema": {}}


def _jsonforms_control(field: Field) -> dict[str, Any]:
    control: dict[str, Any] = {"type": "Control", "scope": f"#/properties/{field.key}", "label": field.label}
    options: dict[str, Any] = {}
    if field.secret:
        options["format"] = "password"
    if field.type == "attributes":
        options["multi"] = True
    if field.options:
        options["optionsSource"] = dataclasses.asdict(field.options)
    if field.description:
        options["showUnfocusedDescription"] = True
    if options:
        control["options"] = options
    if field.advanced:
        control["rule"] = {"effect": "HIDE", "condition": _ALWAYS}
    return control


def _jsonforms_hint(field: Field, rule: Rule) -> dict[str, Any]:
    """A hint shown only while the field a rule keys on holds that rule's value."""
    return {
        "type": "Label",
        "text": f"{field.label} {rule.then.message}",
        "rule": {
            "effect": "SHOW",
            "condition": {"scope": f"#/properties/{rule.when.field}", "schema": {"const": rule.when.equals}},
        },
    }


def _jsonforms_layout(fields: Iterable[Field], rules: Iterable[Rule] = ()) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    rules = tuple(rules)
    for field in fields:
        elements.append(_jsonforms_control(field))
        elements.extend(_jsonforms_hint(field, rule) for rule in rules if rule.then.field == field.key)
    return {"type": "VerticalLayout", "elements": elements}


def jsonforms_ui_schema(connector: Connector, action: str) -> dict[str, Any]:
    """JSON Forms' ``uischema`` for ``schemas/config/<action>.json``: one Control per field, hints by rule."""
    manifest = connector.action(action).manifest
    return _jsonforms_layout(manifest.fields, manifest.rules)


def jsonforms_connection_ui_schema(connector: Connector) -> dict[str, Any]:
    return _jsonforms_layout(connector.manifest.connection.fields)


# -- live options ---------------------------------------------------------------------------------


def with_options(schema: Mapping[str, Any], field: str, options: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``schema`` with ``field``'s concrete value offered as labelled choices (``oneOf`` of ``const``/``title``).

    ``options`` is what ``Connector.options`` returns (``[{value, label}]``). In a config schema only
    the value branch gets the choices, so a template stays possible.
    """
    patched = copy.deepcopy(dict(schema))
    choices = [{"const": o["value"], "title": str(o["label"])} for o in options]
    if choices:  # no choice at all would refuse every value: leave the field free instead
        prop = patched["properties"][field]
        target = next((b for b in prop.get("anyOf", ()) if b.get("title") == "Value"), prop)
        target["oneOf"] = choices
    return patched


def ui_schemas(connector: Connector) -> dict[str, Any]:
    """Every form document a UI needs, for ``cio-connector spec`` and the host's manifest.

    ``actions.<name>``: the config schema with both UI schemas; ``connection``: the same for the
    connection form. The input schemas (``schemas/actions/``) stay the runtime's own.
    """
    return {
        "actions": {
            name: {
                "config_schema": config_schema(connector.manifest, action.manifest),
                "rjsf_ui_schema": rjsf_ui_schema(connector, name),
                "jsonforms_ui_schema": jsonforms_ui_schema(connector, name),
            }
            for name, action in connector.actions.items()
        },
        "connection": {
            "schema": dict(connector.connection_schema),
            "rjsf_ui_schema": rjsf_connection_ui_schema(connector),
            "jsonforms_ui_schema": jsonforms_connection_ui_schema(connector),
        },
    }

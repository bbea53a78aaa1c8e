"""Our manifests as Cargo's ``IntegrationManifest``: forms, autocompletes and limits, none written twice.

Each form is the generated JSON Schema, adapted where Cargo's platform differs from a plain form:

- a field the user fills from workflow data is ``$ref: "#/definitions/expression"`` with the
  ``ExpressionWidget``: Cargo evaluates the expression before calling execute, so its constraints
  (and the cross-field rules that touch it) are checked by us at execute, not by the form;
- a field with dynamic options is an ``IntegrationAutocompleteWidget`` over the autocomplete named
  after its source, its filter passed as params; autocomplete values are strings in Cargo's
  contract, so an integer field takes digit strings and ``coerce_config`` turns them back;
- labelled choices stay ``oneOf: [{const, title}]`` (a dropdown), secrets are password widgets,
  advanced fields are hidden.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..declarative.models import DynamicOptions, Field
from ..facts import TRACK_REQUESTS_PER_SECOND
from ..runtime import Connector
from .models import (
    ActionEntry,
    AutocompleteEntry,
    ConnectorEntry,
    FormConfig,
    IntegrationManifest,
    ParamsSchema,
    RateLimit,
    Retry,
)

__all__ = [
    "AUTOCOMPLETE_WIDGET",
    "EXPRESSION_REF",
    "EXPRESSION_WIDGET",
    "OptionField",
    "action_form",
    "autocompletes",
    "cargo_manifest",
    "coerce_config",
    "connection_form",
    "option_field",
]

EXPRESSION_REF = "#/definitions/expression"
EXPRESSION_WIDGET = "ExpressionWidget"
AUTOCOMPLETE_WIDGET = "IntegrationAutocompleteWidget"
DIGITS = r"^[1-9][0-9]*$"

# A plain envelope-and-arrow glyph: Cargo shows the icon inline, so it is an SVG string, not a URL.
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><rect x="2" y="5" width="20" '
    'height="14" rx="2"/><path d="m2 7 10 6 10-6"/></svg>'
)
COLOR = "#7131ff"
URL = "https://customer.io"

# Every action sends one Track API request (tests/host/test_cargo.py checks it), so the Track
# limit is the connector's. Autocompletes call the App API (10 requests a second): Cargo caches
# their answers for as long as our own options cache would.
RATE_LIMIT = RateLimit(unit="second", max=TRACK_REQUESTS_PER_SECOND)
# Our client already retries 408/429/5xx three times inside one execute; Cargo's retries are for
# what outlasts that (an outage), so they start later and back off harder. Seconds.
RETRY = Retry(maximumAttempts=3, initialInterval=5, backoffCoefficient=2)
#: A merge (or a send) that may have landed is never tried again (its handler says so).
NO_RETRY = Retry(maximumAttempts=1)
_NOT_FOR_FORMS = ("$schema", "$id", "x-connector", "x-action")


@dataclass(frozen=True)
class OptionField:
    """Which action field an autocomplete request stands for (the connector's options are per field)."""

    action: str
    field: str
    options: DynamicOptions


def _field_ui(field: Field) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    if field.secret:
        ui["ui:widget"] = "password"
    elif field.type == "enum":
        ui["ui:widget"] = "select"
    if field.placeholder and not _is_expression(field):
        ui["ui:placeholder"] = field.placeholder
    if field.advanced:
        ui["ui:widget"] = "hidden"
        ui["ui:options"] = {"advanced": True}
        for sub in field.fields or ():
            ui[sub.key] = {"ui:widget": "hidden"}
    return ui


def _is_expression(field: Field) -> bool:
    """Filled from workflow data: everything but choices, option pickers and nested objects."""
    return field.type not in ("enum", "object") and field.options is None


def _form_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in schema.items() if key not in _NOT_FOR_FORMS}


def connection_form(connector: Connector) -> FormConfig:
    """The connection form: region as a labelled choice, secrets as passwords, endpoints hidden."""
    fields = connector.manifest.connection.fields
    ui: dict[str, Any] = {"ui:order": [f.key for f in fields]}
    for field in fields:
        hints = _field_ui(field)
        if hints:
            ui[field.key] = hints
    return FormConfig(jsonSchema=_form_schema(connector.connection_schema), uiSchema=ui)


def action_form(connector: Connector, name: str) -> FormConfig:
    action = connector.actions[name]
    schema = _form_schema(action.schema)
    properties = schema["properties"]
    ui: dict[str, Any] = {"ui:order": [f.key for f in action.manifest.fields]}
    expressions = set()
    for field in action.manifest.fields:
        hints = _field_ui(field)
        if field.options is not None:
            properties[field.key] = _option_schema(properties[field.key])
            hints.update(_autocomplete_ui(field.options))
        elif field.type == "attributes":
            properties[field.key] = {**properties[field.key], "additionalProperties": {"$ref": EXPRESSION_REF}}
            properties[field.key].pop("x-maxBytes", None)
            hints["additionalProperties"] = {"ui:widget": EXPRESSION_WIDGET}
        elif _is_expression(field):
            expressions.add(field.key)
            properties[field.key] = _expression_schema(properties[field.key])
            hints["ui:widget"] = EXPRESSION_WIDGET
        if hints:
            ui[field.key] = hints
    rules = [rule for rule in schema.get("allOf", ()) if not set(rule["then"]["properties"]) & expressions]
    schema.pop("allOf", None)
    if rules:
        schema["allOf"] = rules
    return FormConfig(jsonSchema=schema, uiSchema=ui)


def _expression_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    kept = {key: schema[key] for key in ("title", "description") if key in schema}
    return {"$ref": EXPRESSION_REF, **kept}


def _option_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    if schema.get("type") != "integer":
        return dict(schema)
    kept = {key: schema[key] for key in ("title", "description", "x-dynamic-options") if key in schema}
    return {**kept, "type": "string", "pattern": DIGITS}


def _autocomplete_ui(options: DynamicOptions) -> dict[str, Any]:
    return {"ui:widget": AUTOCOMPLETE_WIDGET, "ui:options": {"slug": options.source, "params": dict(options.filter)}}


def _option_fields(connector: Connector) -> list[OptionField]:
    return [
        OptionField(name, field.key, field.options)
        for name, action in connector.actions.items()
        for field in action.manifest.fields
        if field.options is not None
    ]


def autocompletes(connector: Connector) -> list[AutocompleteEntry]:
    """One autocomplete per options source; its params are the filters our fields use with it."""
    filters: dict[str, dict[str, set]] = {}
    for option in _option_fields(connector):
        keys = filters.setdefault(option.options.source, {})
        for key, value in option.options.filter.items():
            keys.setdefault(key, set()).add(value)
    ttl = int(connector.options_cache.ttl)
    return [
        AutocompleteEntry(slug=source, params=ParamsSchema(jsonSchema=_params_schema(keys)), cacheExpirationInSeconds=ttl)
        for source, keys in filters.items()
    ]


def _params_schema(keys: Mapping[str, set]) -> dict[str, Any]:
    properties = {key: {"enum": sorted(values, key=str)} for key, values in keys.items()}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def option_field(connector: Connector, slug: str, params: Mapping[str, Any]) -> OptionField | None:
    """The field whose options an autocomplete request asks for, or None if no field uses them."""
    wanted = dict(params)
    matching = [o for o in _option_fields(connector) if o.options.source == slug]
    exact = next((o for o in matching if dict(o.options.filter) == wanted), None)
    if exact is not None or wanted:
        return exact
    # No params (the declared params schema requires none): the source's options, if its fields agree on a filter.
    filters = {tuple(sorted(o.options.filter.items())) for o in matching}
    return matching[0] if len(filters) == 1 else None


def known_autocompletes(connector: Connector) -> list[str]:
    return sorted({f"{o.options.source} {dict(o.options.filter)}" for o in _option_fields(connector)})


def coerce_config(connector: Connector, name: str, config: Any) -> Any:
    """Digit strings back to integers in option fields (Cargo's autocomplete values are strings)."""
    if not isinstance(config, Mapping) or name not in connector.actions:
        return config
    action = connector.actions[name]
    properties = action.schema["properties"]
    integers = {f.key for f in action.manifest.fields if f.options is not None and properties[f.key].get("type") == "integer"}
    return {
        key: int(value) if key in integers and isinstance(value, str) and re.fullmatch("[0-9]{1,30}", value) else value
        for key, value in config.items()
    }


def cargo_manifest(connector: Connector) -> IntegrationManifest:
    m = connector.manifest
    return IntegrationManifest(
        name=m.name,
        description=" ".join(m.description.split()),
        icon=ICON,
        color=COLOR,
        url=URL,
        autocompletes=autocompletes(connector),
        dynamicSchemas=[],
        connector=ConnectorEntry(config=connection_form(connector), rateLimit=RATE_LIMIT),
        actions={
            name: ActionEntry(
                name=action.manifest.title,
                description=" ".join(action.manifest.description.split()),
                config=action_form(connector, name),
                retry=RETRY if action.idempotent else NO_RETRY,
            )
            for name, action in connector.actions.items()
        },
    )

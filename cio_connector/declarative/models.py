"""The manifest format as plain frozen dataclasses: what every layer reads, with no pydantic import.

Authoring (``manifest``: YAML, meta-schema, pydantic's strict validation into these very classes)
and the compiled bundle (``compiled``: ``model_data`` out, ``model_from_data`` back) both end here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from ..facts import REGIONS, RegionHosts

__all__ = [
    "ActionManifest",
    "Choice",
    "ConnectionSpec",
    "ConnectorManifest",
    "Constraints",
    "DynamicOptions",
    "Field",
    "FieldGroup",
    "FieldType",
    "Rule",
    "Then",
    "When",
    "model_data",
    "model_from_data",
]

FieldType = Literal[
    "string", "integer", "number", "boolean", "attributes", "datetime", "url", "email", "enum", "object"
]

# pydantic reads this from a plain dataclass when it validates into it (authoring only).
_STRICT: Any = {"extra": "forbid", "strict": True}


@dataclasses.dataclass(frozen=True)
class Choice:
    __pydantic_config__: ClassVar[Any] = _STRICT
    value: str | int
    label: str
    description: str | None = None


@dataclasses.dataclass(frozen=True)
class Constraints:
    __pydantic_config__: ClassVar[Any] = {**_STRICT, "allow_inf_nan": False}
    min_length: int | None = None
    max_length: int | None = None
    max_bytes: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    format: Literal["email", "date-time", "uri"] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_properties: int | None = None
    key_max_bytes: int | None = None
    value_max_bytes: int | None = None


@dataclasses.dataclass(frozen=True)
class DynamicOptions:
    __pydantic_config__: ClassVar[Any] = _STRICT
    source: Literal["segments", "object_types", "transactional_messages"]
    filter: dict[str, str | int | bool] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Field:
    __pydantic_config__: ClassVar[Any] = _STRICT
    key: str
    label: str
    type: FieldType
    description: str | None = None
    placeholder: str | None = None
    required: bool = False
    secret: bool = False
    advanced: bool = False
    default: Any = None
    choices: tuple[Choice, ...] | None = None
    constraints: Constraints = Constraints()
    options: DynamicOptions | None = None
    fields: tuple[Field, ...] | None = None


@dataclasses.dataclass(frozen=True)
class When:
    __pydantic_config__: ClassVar[Any] = _STRICT
    field: str
    equals: str | int | bool


@dataclasses.dataclass(frozen=True)
class Then:
    __pydantic_config__: ClassVar[Any] = _STRICT
    field: str
    message: str
    constraints: Constraints = Constraints()
    #: The field must be given when the rule applies.
    required: bool = False


@dataclasses.dataclass(frozen=True)
class Rule:
    __pydantic_config__: ClassVar[Any] = _STRICT
    when: When
    then: Then


@dataclasses.dataclass(frozen=True)
class FieldGroup:
    __pydantic_config__: ClassVar[Any] = _STRICT
    fields: tuple[Field, ...]
    description: str | None = None
    rules: tuple[Rule, ...] = ()


@dataclasses.dataclass(frozen=True)
class ConnectionSpec:
    __pydantic_config__: ClassVar[Any] = _STRICT
    fields: tuple[Field, ...]


@dataclasses.dataclass(frozen=True)
class ConnectorManifest:
    __pydantic_config__: ClassVar[Any] = _STRICT
    id: str
    name: str
    version: str
    description: str
    connection: ConnectionSpec
    actions: tuple[str, ...]
    field_groups: dict[str, FieldGroup] = dataclasses.field(default_factory=dict)
    source: str = ""

    @property
    def regions(self) -> Mapping[str, RegionHosts]:
        """Customer.io's data centers and their hosts: facts, not manifest data (``facts.REGIONS``)."""
        return REGIONS


@dataclasses.dataclass(frozen=True)
class ActionManifest:
    """An action with its field groups expanded in place (``use: matching`` -> the two fields)."""

    __pydantic_config__: ClassVar[Any] = _STRICT
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    source: str = ""

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


# Which attributes hold other models (a tuple of them, a map of them, or one), to rebuild from data.
_NESTED: dict[type, dict[str, tuple[str, type]]] = {
    Field: {"choices": ("tuple", Choice), "constraints": ("one", Constraints), "options": ("one", DynamicOptions),
            "fields": ("tuple", Field)},
    Then: {"constraints": ("one", Constraints)},
    Rule: {"when": ("one", When), "then": ("one", Then)},
    FieldGroup: {"fields": ("tuple", Field), "rules": ("tuple", Rule)},
    ConnectionSpec: {"fields": ("tuple", Field)},
    ConnectorManifest: {"connection": ("one", ConnectionSpec), "field_groups": ("map", FieldGroup), "actions": ("tuple", str)},
    ActionManifest: {"fields": ("tuple", Field), "rules": ("tuple", Rule)},
}


def model_data(model: Any) -> Any:
    """A model as JSON data, leaving out what equals its default (``model_from_data`` reverses it)."""
    if not dataclasses.is_dataclass(model):
        if isinstance(model, tuple):
            return [model_data(item) for item in model]
        if isinstance(model, dict):
            return {key: model_data(value) for key, value in model.items()}
        return model
    out = {}
    for spec in dataclasses.fields(model):
        value = getattr(model, spec.name)
        if spec.default is not dataclasses.MISSING and value == spec.default:
            continue
        if spec.default_factory is not dataclasses.MISSING and value == spec.default_factory():
            continue
        out[spec.name] = model_data(value)
    return out


def model_from_data(model: type[Any], data: Mapping[str, Any]) -> Any:
    """A model rebuilt from ``model_data`` output we wrote ourselves (no validation: not for user input)."""
    nested = _NESTED.get(model, {})
    values = dict(data)
    for name, (shape, inner) in nested.items():
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if shape == "one":
            values[name] = model_from_data(inner, value)
        elif shape == "map":
            values[name] = {key: model_from_data(inner, item) for key, item in value.items()}
        elif inner is str:
            values[name] = tuple(value)
        else:
            values[name] = tuple(model_from_data(inner, item) for item in value)
    return model(**values)
